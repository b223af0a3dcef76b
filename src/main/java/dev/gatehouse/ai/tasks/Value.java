package dev.gatehouse.ai.tasks;

import java.util.List;

/** A variable's value after validation: already trimmed, in range and of the declared type. */
sealed interface Value {
    record Text(String text) implements Value {}

    record WholeNumber(long number) implements Value {}

    record Flag(boolean flag) implements Value {}

    record Items(List<String> items) implements Value {
        public Items {
            items = List.copyOf(items);
        }
    }

    record Turns(List<Turn> turns) implements Value {
        public Turns {
            turns = List.copyOf(turns);
        }
    }

    /** One earlier message of a conversation the caller reports, e.g. a roleplay so far. */
    record Turn(String role, String content) {}
}
