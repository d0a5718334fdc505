package org.elasticsearch.node;

import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.env.Environment;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.rest.RestChannel;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.transport.netty4.Netty4Plugin;
import org.elasticsearch.xcontent.XContentBuilder;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One Elasticsearch node for musicflow's test stack, started by scripts/stack/up.sh from the jars that Maven
 * Central publishes (the server and the netty4 HTTP transport; no distribution, no x-pack, no modules).
 *
 * Why a class of our own, and why in this package: a distribution's launcher loads plugins and modules from
 * folders we do not have, and the test framework's MockNode (which loads plugins from the classpath) refuses to
 * run as root, which the stack does. NodeConstruction and NodeServiceProvider are package-private, so this class
 * lives in org.elasticsearch.node. These are internal APIs: they hold for the pinned 8.19.21 only
 * (scripts/stack/elasticsearch/pom.xml); a version bump must recompile and recheck this file.
 *
 * Arguments: settings as key=value (ports, hosts, paths), added to the fixed ones below.
 */
public final class MusicflowTestNode {

    public static void main(String[] args) throws Exception {
        Settings.Builder settings = Settings.builder()
            // One node that elects itself: no discovery, no bootstrap checks.
            .put("discovery.type", "single-node")
            .put("cluster.name", "musicflow-test")
            .put("node.name", "musicflow-test")
            // Tests delete indices by pattern between runs.
            .put("action.destructive_requires_name", false)
            // The machine's disk may be nearly full: the watermarks would block writes and leave shards unassigned.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // Only warnings (and the node's start line) on stdout, which up.sh sends to the log file.
            .put("logger.level", "warn")
            .put("logger.org.elasticsearch.node.Node", "info");
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
            }
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings given = settings.build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(given, Map.of(), null, () -> "musicflow-test");

        // Logging first: the node's classes log from their static initialisers. Without a log4j2.properties the
        // console (stdout) is the one appender, with the levels given by the logger.* settings above.
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
        LogConfigurator.configureWithoutConfig(environment.settings());
        LogConfigurator.configureESLogging();

        List<Class<? extends Plugin>> plugins = List.of(Netty4Plugin.class, MainEndpointPlugin.class);
        NodeServiceProvider services = new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader loader) {
                // Plugins from the classpath (the real PluginsService reads a plugins folder).
                return new MockPluginsService(env.settings(), env, plugins);
            }
        };
        Node node = new Node(NodeConstruction.prepareConstruction(environment, null, services, false));

        // SIGTERM (scripts/stack/down.sh) closes the node cleanly, then lets main end.
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "musicflow-test-node-shutdown"));
        node.start();
        // The node's own threads are daemons: this one keeps the JVM alive, as Elasticsearch's launcher does.
        stopped.await();
    }

    /**
     * GET / and HEAD /, as a real node answers them (the client's info() and ping()). In a distribution this
     * endpoint comes from the rest-root module, which is not published on Maven Central.
     */
    public static final class MainEndpointPlugin extends Plugin implements ActionPlugin {
        private volatile ClusterService clusterService;

        @Override
        public Collection<?> createComponents(PluginServices services) {
            clusterService = services.clusterService();
            return List.of();
        }

        @Override
        public Collection<RestHandler> getRestHandlers(
            Settings settings,
            NamedWriteableRegistry namedWriteableRegistry,
            RestController restController,
            ClusterSettings clusterSettings,
            IndexScopedSettings indexScopedSettings,
            SettingsFilter settingsFilter,
            IndexNameExpressionResolver indexNameExpressionResolver,
            Supplier<DiscoveryNodes> nodesInCluster,
            Predicate<NodeFeature> clusterSupportsFeature
        ) {
            return List.of(new RestHandler() {
                @Override
                public List<Route> routes() {
                    return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
                }

                @Override
                public void handleRequest(RestRequest request, RestChannel channel, NodeClient client) throws Exception {
                    channel.sendResponse(new RestResponse(RestStatus.OK, main(channel.newBuilder())));
                }
            });
        }

        private XContentBuilder main(XContentBuilder b) throws java.io.IOException {
            Build build = Build.current();
            b.startObject();
            b.field("name", clusterService.getNodeName());
            b.field("cluster_name", clusterService.getClusterName().value());
            b.field("cluster_uuid", clusterService.state().metadata().clusterUUID());
            b.startObject("version")
                .field("number", build.qualifiedVersion())
                .field("build_flavor", build.flavor())
                .field("build_type", build.type().displayName())
                .field("build_hash", build.hash())
                .field("build_date", build.date())
                .field("build_snapshot", build.isSnapshot())
                .field("lucene_version", org.apache.lucene.util.Version.LATEST.toString())
                .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
                .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
                .endObject();
            b.field("tagline", "You Know, for Search");
            return b.endObject();
        }
    }
}
