package dev.gatehouse.email;

import dev.gatehouse.jobs.Outcome;

/** Delivers one email: Resend in production, the dev file mailbox without a Resend key. */
public interface MailSender {
    /** Never throws for a provider's answer; an exception means the attempt is retried. */
    Outcome send(Email email) throws Exception;
}
