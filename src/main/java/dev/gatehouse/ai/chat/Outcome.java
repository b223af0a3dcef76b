package dev.gatehouse.ai.chat;

/** How a request ended, as settlement and metrics need to know it. */
public enum Outcome {
    /** The model finished and the caller received all of it. Charged for its usage. */
    COMPLETED,
    /** The caller went away mid-stream; the upstream call was cancelled. Charged for what was generated until then. */
    CUT_BY_CALLER,
    /** The upstream failed after the first byte reached the caller, so no fallback was possible. Charged for what was relayed. */
    FAILED_AFTER_FIRST_BYTE,
    /** Every deployment failed before anything reached the caller, or none was available. Not charged: zero usage. */
    FAILED;

    /** Whether this outcome is charged at all (its token counts may still be zero). */
    public boolean charged() {
        return this != FAILED;
    }
}
