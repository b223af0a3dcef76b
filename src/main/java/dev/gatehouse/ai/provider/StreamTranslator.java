package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.stream.StreamRelay;


/** Turns one upstream stream's events into OpenAI chunks and usage on a {@link StreamRelay}. */
@FunctionalInterface
interface StreamTranslator {

    /**
     * Handles one Server-Sent Event.
     *
     * @param event the {@code event:} field, null when the event had none
     * @param data  the {@code data:} lines joined
     * @return true when this event ends the upstream stream ({@code [DONE]}, {@code message_stop})
     */
    boolean onEvent(String event, String data, StreamRelay relay) throws UpstreamFailure;
}
