package io.customertrack.nifi.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Copies of the built NAR with other manifest attributes: NiFi reads a NAR's coordinates and dependency from there. */
final class Nars {

    private Nars() {
    }

    /** The same code under another version, as a second build would be. */
    static Path withVersion(final Path nar, final Path target, final String version) throws IOException {
        return withManifest(nar, target, Map.of("Nar-Version", version));
    }

    /**
     * Entries keep their order: NiFi unpacks them in order, and a file ahead of its directory entry fails to unpack
     * (the NAR then stays "Installing" with no failure reported).
     */
    static Path withManifest(final Path nar, final Path target, final Map<String, String> attributes) throws IOException {
        try (ZipFile source = new ZipFile(nar.toFile()); OutputStream file = Files.newOutputStream(target);
             ZipOutputStream out = new ZipOutputStream(file)) {
            for (final ZipEntry entry : source.stream().toList()) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream in = source.getInputStream(entry)) {
                    if (entry.getName().equals(JarFile.MANIFEST_NAME)) {
                        final Manifest manifest = new Manifest(in);
                        attributes.forEach((name, value) -> manifest.getMainAttributes().put(new Attributes.Name(name), value));
                        manifest.write(out);
                    } else {
                        in.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
        return target;
    }
}
