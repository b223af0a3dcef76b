package dev.gatehouse.ai;

import static dev.gatehouse.ai.GatewayFixture.ask;
import static dev.gatehouse.ai.GatewayFixture.askStreaming;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.provider.Upstream;
import dev.gatehouse.ai.stream.StreamResult;
import dev.gatehouse.refusal.Refusal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A provider that refuses an HTTP/2 stream with {@code REFUSED_STREAM} has not processed it (RFC 9113 section
 * 8.7): the request is sent again within its attempt, neither costing the route an attempt nor failing it,
 * and only a few times. Every other reset still fails the attempt as before. The provider is a Jetty HTTP/2
 * server driven frame by frame (WireMock cannot reset a stream with a chosen code), spoken to in cleartext
 * (prior knowledge) by the gateway's own client.
 */
class RefusedStreamsTest {
    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    private Server server;
    private final AtomicInteger streamsSeen = new AtomicInteger();
    /** The first this many streams are reset; the rest are answered. */
    private volatile int resetFirst;
    private volatile ErrorCode resetWith = ErrorCode.REFUSED_STREAM_ERROR;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        RawHTTP2ServerConnectionFactory h2c = new RawHTTP2ServerConnectionFactory(new HttpConfiguration(), new ServerSessionListener() {
            @Override
            public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
                if (streamsSeen.incrementAndGet() <= resetFirst) {
                    stream.reset(new ResetFrame(stream.getId(), resetWith.code), Callback.NOOP);
                    return null;
                }
                boolean sse = String.valueOf(((MetaData.Request) frame.getMetaData()).getHttpFields().get(HttpHeader.ACCEPT))
                        .contains("event-stream");
                answer(stream, sse);
                stream.demand();
                return new Stream.Listener() {
                    @Override
                    public void onDataAvailable(Stream s) {
                        Stream.Data data = s.readData();
                        if (data != null) {
                            data.release();
                            if (data.frame().isEndStream()) {
                                return;
                            }
                        }
                        s.demand();
                    }
                };
            }
        });
        ServerConnector connector = new ServerConnector(server, h2c);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private static void answer(Stream stream, boolean sse) {
        String body = sse ? ProviderWire.openAiStream("Hello", " again") : ProviderWire.openAiCompletion("Hello again");
        MetaData.Response head = new MetaData.Response(200, null, HttpVersion.HTTP_2,
                HttpFields.build().put(HttpHeader.CONTENT_TYPE, sse ? "text/event-stream" : "application/json"));
        stream.headers(new HeadersFrame(stream.getId(), head, null, false), Callback.from(
                () -> stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), true), Callback.NOOP),
                failure -> {}));
    }

    private Gateway gatewayWithOneAttempt() {
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        // The production client, speaking HTTP/2 in cleartext to this server (providers speak it over TLS).
        OkHttpClient http = Gateway.defaultHttpClient().newBuilder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
        return gateways.build(gateway().http(http)
                .openAi("primary", "http://127.0.0.1:" + port + "/primary/v1")
                .route("gpt-4o-mini", "primary")
                .retry(1, 1, 1, 10_000));
    }

    @Test
    void aRefusedAnswerIsSentAgainWithinItsOneAttempt() {
        resetFirst = 2;
        Gateway gateway = gatewayWithOneAttempt();

        Usage usage = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")).usage();

        assertThat(usage.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(usage.attempts()).isEqualTo(1);
        assertThat(streamsSeen).hasValue(3);
    }

    @Test
    void aRefusedStreamIsSentAgainBeforeAnythingIsRelayed() {
        resetFirst = 2;
        Gateway gateway = gatewayWithOneAttempt();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.usage().attempts()).isEqualTo(1);
        assertThat(caller.content()).isEqualTo("Hello again");
        assertThat(caller.endedWithDone()).isTrue();
        assertThat(streamsSeen).hasValue(3);
    }

    @Test
    void aProviderThatKeepsRefusingIsSentTheRequestOnlyAFewTimes() {
        resetFirst = Integer.MAX_VALUE;
        Gateway gateway = gatewayWithOneAttempt();

        assertThatThrownBy(() -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")))
                .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.status()).isEqualTo(502));
        assertThat(streamsSeen).hasValue(1 + Upstream.REFUSED_RESENDS);
    }

    @Test
    void anyOtherResetStillFailsTheAttemptAtOnce() {
        resetFirst = 1;
        resetWith = ErrorCode.INTERNAL_ERROR;
        Gateway gateway = gatewayWithOneAttempt();

        assertThatThrownBy(() -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")))
                .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.status()).isEqualTo(502));
        assertThat(streamsSeen).hasValue(1);
    }
}
