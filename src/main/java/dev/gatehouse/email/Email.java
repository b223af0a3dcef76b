package dev.gatehouse.email;

import java.time.Instant;

/** A rendered email, ready for a {@link MailSender}. */
public record Email(long outboxId, String to, String from, String replyTo, String subject, String html, String text,
        String template, String idempotencyKey, Instant createdAt) {}
