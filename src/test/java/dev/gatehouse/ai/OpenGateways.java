package dev.gatehouse.ai;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Builds the gateways a test uses and closes them after it, so no test class repeats the teardown. */
final class OpenGateways implements AfterEachCallback {
    private final List<Gateway> open = new ArrayList<>();

    Gateway build(GatewayFixture fixture) {
        return track(fixture.build());
    }

    Gateway track(Gateway gateway) {
        open.add(gateway);
        return gateway;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        open.forEach(Gateway::close);
        open.clear();
    }
}
