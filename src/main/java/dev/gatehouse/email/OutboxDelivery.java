package dev.gatehouse.email;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.jobs.Claimed;
import dev.gatehouse.jobs.Outcome;
import dev.gatehouse.jobs.QueueWorker;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Turns one claimed outbox row into an email (template + row data) and hands it to the sender. */
final class OutboxDelivery implements QueueWorker.Handler<OutboxRow> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final Templates templates;
    private final MailSender sender;
    private final TwilioSender sms;
    private final EmailSettings settings;

    /** @param sms null when SMS is off: SMS rows are skipped */
    OutboxDelivery(Templates templates, MailSender sender, TwilioSender sms, EmailSettings settings) {
        this.templates = templates;
        this.sender = sender;
        this.sms = sms;
        this.settings = settings;
    }

    @Override
    public Outcome handle(Claimed<OutboxRow> claimed) throws Exception {
        OutboxRow row = claimed.data();
        if (!templates.has(row.template())) {
            return new Outcome.Fail("no email template '" + row.template() + "'");
        }
        if ("sms".equals(row.channel())) {
            String text = templates.renderSms(row.template(), data(row));
            if (sms == null || text == null) {
                return new Outcome.Skip(sms == null ? "SMS is off here (TWILIO_* unset)" : "template '" + row.template() + "' has no SMS text");
            }
            return sms.send(row.to(), text);
        }
        Templates.Rendered r = templates.render(row.template(), data(row));
        return sender.send(new Email(row.id(), row.to(), settings.from(), settings.replyTo(), r.subject(), r.html(), r.text(),
                row.template(), row.idempotencyKey(), row.createdAt()));
    }

    /** The row's data plus what every template may use: app name, site URL, recipient, formatted amounts. */
    Map<String, Object> data(OutboxRow row) {
        Map<String, Object> data = new HashMap<>(row.data().isObject() ? JSON.convertValue(row.data(), MAP) : Map.of());
        data.putIfAbsent("app_name", settings.appName());
        data.putIfAbsent("site_url", settings.siteUrl());
        data.put("to_email", row.to());
        data.put("ai", "ai".equals(data.get("feedback_source")));
        Object currency = data.get("currency");
        if (data.get("amount_cents") instanceof Number n && currency != null) {
            data.put("amount", money(n, currency.toString()));
        }
        if (data.get("amount_refunded_cents") instanceof Number n && currency != null) {
            data.put("refunded_amount", money(n, currency.toString()));
        }
        return data;
    }

    /** Two-decimal currencies only (Stripe's usd, eur, ...), which is what the platform sells in. */
    private static String money(Number cents, String currency) {
        return BigDecimal.valueOf(cents.longValue()).movePointLeft(2).toPlainString() + " " + currency.toUpperCase(Locale.ROOT);
    }
}
