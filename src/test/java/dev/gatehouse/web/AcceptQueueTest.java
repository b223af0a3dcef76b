package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** A burst of connects must queue in the kernel rather than be dropped (the JDK's default backlog is 50). */
class AcceptQueueTest {

    @Test
    void theServiceListensWithADeepAcceptQueue() throws Exception {
        // given a Javalin server with the service's hook (Javalin adds its connector after the hooks run)
        Javalin app = Javalin.create(config -> {
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            config.jetty.modifyServer(HttpApi::deepAcceptQueue);
        });
        try {
            // when it starts
            app.start();

            // then its connector was opened with the deep queue
            ServerConnector connector = (ServerConnector) app.jettyServer().server().getConnectors()[0];
            assertThat(connector.getAcceptQueueSize()).isEqualTo(HttpApi.ACCEPT_QUEUE);
            assertThat(connector.getLocalPort()).isPositive();
        } finally {
            app.stop();
        }
    }
}
