package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A two-node NiFi cluster with ZooKeeper on loopback, deployed by deploy-nifi.sh. Plain HTTP between and to the nodes:
 * the served artifacts would allow TLS, but the tests of security already run on the secured standalone sandbox, and a
 * secured cluster doubles its certificates (node identities, a proxy policy per node) for no new CustomerTrack
 * behaviour.
 */
class ClusterE2EIT {

    @TempDir
    Path work;

    @Test
    void generatorRunsOnThePrimaryAndItsSuccessorContinuesTheIdSequence() throws Exception {
        try (ZooKeeperSandbox zookeeper = new ZooKeeperSandbox(work.resolve("zookeeper"))) {
            final SandboxNiFi first = SandboxNiFi.clusterNode(work.resolve("node-1"), zookeeper.connectString());
            final SandboxNiFi second = SandboxNiFi.clusterNode(work.resolve("node-2"), zookeeper.connectString());
            try (first; second) {
                startTogether(first, second);
                awaitConnectedNodes(first.rest(), 2);
                for (final SandboxNiFi node : List.of(first, second)) {
                    final DeployScript.Run health = DeployScript.healthCheck(node);
                    assertEquals(0, health.exitCode(), "docker/nifi/healthcheck.sh on a connected node: " + health.output());
                    assertTrue(health.output().contains("connected (2 / 2 nodes)"), health.output());
                }
                final LocalPipeline pipeline = new LocalPipeline(first, work);
                final DeployScript.Run deployed = pipeline.deploy(SandboxNiFi.CUSTOMERTRACK_NAR);
                assertEquals(0, deployed.exitCode(), deployed.output());
                final String group = pipeline.groupId();
                final String generator = pipeline.generatorId(group);
                final String merge = pipeline.processor(group, LocalPipeline.MERGE).get("id").asText();
                pipeline.awaitLandedFiles(5);

                final String primaryAddress = primaryNodeApi(first.rest());
                final SandboxNiFi primary = first.url().endsWith(primaryAddress) ? first : second;
                final SandboxNiFi survivor = primary == first ? second : first;
                assertEquals(List.of(primaryAddress), nodesWithOutput(first.rest(), generator, "flowFilesOut"),
                        "GenerateFakeCustomer (PRIMARY) produces on the primary node only");
                // Node statuses come with heartbeats, after the merge's own schedule: a loaded machine needs a while.
                List<String> merging = nodesWithOutput(first.rest(), merge, "flowFilesIn");
                for (final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos(); merging.isEmpty() && System.nanoTime() < deadline; ) {
                    Thread.sleep(1000);
                    merging = nodesWithOutput(first.rest(), merge, "flowFilesIn");
                }
                assertEquals(1, merging.size(), "the merge's input connection load-balances to a single node: " + merging);

                try (ZooKeeper client = zookeeper.client()) {
                    final String stored = new String(client.getData("/nifi/components/" + generator, false, null), StandardCharsets.UTF_8);
                    assertTrue(stored.contains("customer.id.next"), "the generator's cluster state is in ZooKeeper: " + stored);
                }
                final long nextIdBeforeFailover = nextCustomerId(survivor.rest(), generator);

                primary.kill();
                assertEquals(1, DeployScript.healthCheck(primary).exitCode(), "a killed node is unhealthy");
                pipeline.useNode(survivor);
                survivor.rest().await("/controller/cluster", Duration.ofMinutes(3), cluster -> {
                    for (final JsonNode node : cluster.at("/cluster/nodes")) {
                        if (survivor.url().endsWith(":" + node.get("apiPort").asText())) {
                            for (final JsonNode role : node.get("roles")) {
                                if (role.asText().equals("Primary Node")) {
                                    return true;
                                }
                            }
                        }
                    }
                    return false;
                });
                final long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (nextCustomerId(survivor.rest(), generator) <= nextIdBeforeFailover) {
                    assertTrue(System.nanoTime() < deadline, "the new primary did not continue generating");
                    NiFiRest.sleep(1_000);
                }

                primary.start();
                awaitConnectedNodes(survivor.rest(), 2);
                pipeline.setRunStatus(generator, "STOPPED");
                pipeline.awaitDrained(group, Duration.ofMinutes(3));
                first.stop();
                second.stop();
                pipeline.verify();
            }
        }
    }

    private static void startTogether(final SandboxNiFi first, final SandboxNiFi second) {
        final CompletableFuture<Void> one = CompletableFuture.runAsync(() -> startNode(first));
        final CompletableFuture<Void> two = CompletableFuture.runAsync(() -> startNode(second));
        CompletableFuture.allOf(one, two).join();
    }

    private static void startNode(final SandboxNiFi node) {
        try {
            node.start();
        } catch (final Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitConnectedNodes(final NiFiRest rest, final int count) throws Exception {
        rest.await("/controller/cluster", Duration.ofMinutes(3), cluster -> {
            int connected = 0;
            for (final JsonNode node : cluster.at("/cluster/nodes")) {
                connected += node.get("status").asText().equals("CONNECTED") ? 1 : 0;
            }
            return connected == count;
        });
    }

    /** ":port" of the primary node's REST API. */
    private static String primaryNodeApi(final NiFiRest rest) throws Exception {
        for (final JsonNode node : rest.get("/controller/cluster").at("/cluster/nodes")) {
            for (final JsonNode role : node.get("roles")) {
                if (role.asText().equals("Primary Node")) {
                    return ":" + node.get("apiPort").asText();
                }
            }
        }
        throw new IllegalStateException("no primary node");
    }

    /** ":port" of every node whose status for the processor shows the given count above zero. */
    private static List<String> nodesWithOutput(final NiFiRest rest, final String processor, final String count) throws Exception {
        final JsonNode snapshots = rest.get("/flow/processors/" + processor + "/status?nodewise=true").at("/processorStatus/nodeSnapshots");
        return java.util.stream.StreamSupport.stream(snapshots.spliterator(), false)
                .filter(node -> node.at("/statusSnapshot/" + count).asLong() > 0)
                .map(node -> ":" + node.get("apiPort").asText())
                .toList();
    }

    private static long nextCustomerId(final NiFiRest rest, final String generator) throws Exception {
        final JsonNode state = rest.await("/processors/" + generator + "/state", Duration.ofMinutes(2), answer -> true);
        for (final JsonNode entry : state.at("/componentState/clusterState/state")) {
            if (entry.get("key").asText().equals("customer.id.next")) {
                return entry.get("value").asLong();
            }
        }
        return 0;
    }
}
