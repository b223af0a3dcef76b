package dev.gatehouse.cli;

import dev.gatehouse.config.Settings;
import dev.gatehouse.email.DevMailbox;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code mail [--limit N]}: the latest emails in the dev mailbox. */
public final class MailCommand {
    static final String HELP = """
            Usage: java -jar target/gatehouse.jar mail [--limit <n>]

            Lists the latest emails of the dev mailbox (GATEHOUSE_DATA_DIR/mail, default .gatehouse/mail),
            newest first: time, template, recipient, subject, and the .html file to open in a browser.
            Dev mode writes every email there when RESEND_API_KEY is not set.

              --limit   how many to list (default 20)
            """;

    public int run(Args args, Map<String, String> env) {
        if (args.help()) {
            System.out.print(HELP);
            return 0;
        }
        args.allow(Set.of("limit"));
        int limit = 20;
        if (args.value("limit") != null) {
            try {
                limit = Integer.parseInt(args.value("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1) {
                throw new Args.UsageException("--limit must be a whole number of at least 1, got '" + args.value("limit") + "'");
            }
        }
        Path dir = Settings.load(env).dataDir().resolve("mail");
        List<DevMailbox.Entry> entries = DevMailbox.latest(dir, limit);
        if (entries.isEmpty()) {
            System.out.println("The dev mailbox " + dir + " is empty.");
            return 0;
        }
        for (DevMailbox.Entry e : entries) {
            System.out.println(e.name() + "  " + e.to() + "  " + e.subject() + "\n    " + e.html());
        }
        return 0;
    }
}
