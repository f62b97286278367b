package io.customertrack.nifi.sandbox;

import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A standalone ZooKeeper server on 127.0.0.1 inside the test JVM, for the sandbox cluster. */
final class ZooKeeperSandbox implements AutoCloseable {

    private final ZooKeeperServer server;
    private final ServerCnxnFactory connections;
    private final int port;

    ZooKeeperSandbox(final Path dataDirectory) throws IOException, InterruptedException {
        port = SandboxNiFi.freePort();
        server = new ZooKeeperServer(dataDirectory.toFile(), dataDirectory.toFile(), 2_000);
        connections = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", port), 100);
        connections.startup(server);
    }

    String connectString() {
        return "127.0.0.1:" + port;
    }

    /** A client session, for reading what NiFi keeps in ZooKeeper. */
    ZooKeeper client() throws IOException, InterruptedException {
        final CountDownLatch connected = new CountDownLatch(1);
        final ZooKeeper client = new ZooKeeper(connectString(), 10_000, event -> {
            if (event.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(20, TimeUnit.SECONDS)) {
            client.close();
            throw new IOException("no ZooKeeper session at " + connectString());
        }
        return client;
    }

    @Override
    public void close() {
        connections.shutdown();
        server.shutdown();
    }
}
