package dev.gatehouse.ai.chat;

/** Where a {@link Usage}'s token counts come from. */
public enum TokenSource {
    /** Both counts as the provider reported them. */
    UPSTREAM,
    /** At least one count made by the gateway's tokenizer (no upstream usage, a cut stream, or dev-echo). */
    TOKENIZER,
    /** Nothing was generated and nothing is charged. */
    NONE
}
