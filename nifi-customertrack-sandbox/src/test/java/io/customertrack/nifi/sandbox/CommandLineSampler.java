package io.customertrack.nifi.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads /proc/[0-9]*&#47;cmdline of every process, again and again, while a script runs: what any user of the machine
 * can see of other processes' arguments. Collects each command line that contains one of the given secrets, and the
 * programs it saw, so a test can also tell that the sampling caught the script's own curl and jq calls.
 */
final class CommandLineSampler implements AutoCloseable {

    private static final Path PROC = Path.of("/proc");

    private final List<String> secrets;
    private final List<String> leaks = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> programs = ConcurrentHashMap.newKeySet();
    private final AtomicLong sweeps = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    CommandLineSampler(final String... secrets) {
        this.secrets = List.of(secrets);
        thread = new Thread(this::sample, "cmdline-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        while (running.get()) {
            try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
                for (final Path process : processes) {
                    inspect(process);
                }
            } catch (final IOException e) {
                // /proc itself is always there; a failed listing is simply retried.
            }
            sweeps.incrementAndGet();
            NiFiRest.sleep(2);
        }
    }

    private void inspect(final Path process) {
        final byte[] raw;
        try {
            raw = Files.readAllBytes(process.resolve("cmdline"));
        } catch (final IOException e) {
            return; // the process ended meanwhile
        }
        if (raw.length == 0) {
            return;
        }
        final String commandLine = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        final String program = commandLine.split(" ", 2)[0];
        programs.add(program.substring(program.lastIndexOf('/') + 1));
        for (final String secret : secrets) {
            if (commandLine.contains(secret)) {
                leaks.add(process.getFileName() + ": " + commandLine);
            }
        }
    }

    /** The command lines that showed a secret. */
    List<String> leaks() {
        synchronized (leaks) {
            return List.copyOf(leaks);
        }
    }

    /** The program names seen (e.g. curl, jq), proof that the sampling caught the script's short-lived children. */
    Set<String> programs() {
        return Set.copyOf(programs);
    }

    long sweeps() {
        return sweeps.get();
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(5_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
