package dev.gatehouse.ai.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The gateway config file, read once at start and validated as a whole (see {@link GatewayConfigLoader}).
 * Immutable; every map keeps the file's order.
 *
 * @param routes   public model alias → its deployments in fallback order, disabled ones included
 * @param warnings things worth a line in the start-up log that are not errors (a deployment disabled for want of a key)
 * @param source   where the file came from, for messages
 */
public record GatewayConfig(
        Map<String, Provider> providers,
        Map<String, Deployment> deployments,
        Map<String, List<Deployment>> routes,
        RetryPolicy retry,
        BreakerPolicy breaker,
        Limits limits,
        List<String> warnings,
        String source) {

    public GatewayConfig {
        providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
        deployments = Collections.unmodifiableMap(new LinkedHashMap<>(deployments));
        routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        warnings = List.copyOf(warnings);
    }

    /** Aliases with at least one enabled deployment, in file order: what {@code GET /v1/models} lists. */
    public List<String> servableModels() {
        List<String> servable = new ArrayList<>();
        routes.forEach((alias, steps) -> {
            if (steps.stream().anyMatch(Deployment::enabled)) {
                servable.add(alias);
            }
        });
        return List.copyOf(servable);
    }

    /**
     * Aliases with at least one enabled deployment that serve {@code api}, in file order. A route serves
     * the API of its real deployments (the loader keeps them to one); a route of dev-echo alone serves every API.
     */
    public List<String> servableModels(ModelApi api) {
        return servableModels().stream().filter(alias -> routes.get(alias).stream().allMatch(d -> d.serves(api))).toList();
    }

    /** The enabled deployments of an alias in fallback order; empty when the alias is unknown or unservable. */
    public List<Deployment> enabledRoute(String alias) {
        return routes.getOrDefault(alias, List.of()).stream().filter(Deployment::enabled).toList();
    }

    /**
     * Aliases answered by the offline dev model in place of their real deployments (dev mode, no
     * provider key set), each mapped to an alias that routes to that dev model alone, so the answer can
     * name it as its {@code model}. Empty in production and whenever a provider key is set.
     */
    public Map<String, String> devStandIns() {
        Map<String, String> standIns = new LinkedHashMap<>();
        routes.forEach((alias, steps) -> {
            List<Deployment> enabled = steps.stream().filter(Deployment::enabled).toList();
            if (!enabled.isEmpty() && enabled.stream().allMatch(GatewayConfig::devEcho) && !steps.stream().allMatch(GatewayConfig::devEcho)) {
                routes.entrySet().stream()
                        .filter(r -> r.getValue().equals(enabled))
                        .findFirst()
                        .ifPresent(r -> standIns.put(alias, r.getKey()));
            }
        });
        return Collections.unmodifiableMap(standIns);
    }

    private static boolean devEcho(Deployment d) {
        return d.provider().kind() == ProviderKind.DEV_ECHO;
    }

    /** One paragraph for the start-up log: what is servable and what is not, and why. Names no key. */
    public String describe() {
        String servable = String.join(", ", servableModels());
        String disabled = deployments.values().stream()
                .filter(d -> !d.enabled())
                .map(d -> d.name() + " (" + d.disabledReason() + ")")
                .collect(Collectors.joining(", "));
        String standIns = devStandIns().entrySet().stream().map(e -> e.getKey() + " -> " + e.getValue()).collect(Collectors.joining(", "));
        return "AI gateway config " + source + ": servable models [" + servable + "]"
                + (standIns.isEmpty() ? "" : "; answered offline because no provider key is set: " + standIns)
                + (disabled.isEmpty() ? "" : "; disabled deployments: " + disabled);
    }
}
