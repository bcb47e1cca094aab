package io.fester.hosts.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Ed25519 key pairs kept as OpenSSH files (private key {@code 0600}, public key beside it as {@code .pub}). */
public final class KeyFiles {
    private KeyFiles() {}

    /** The key pair in {@code file}, generated and written first if there is none. */
    public static KeyPair loadOrCreate(Path file, String comment) throws IOException {
        if (!Files.exists(file)) {
            create(file, comment);
        }
        return load(file);
    }

    /** Generates a new ed25519 key pair into {@code file} (and {@code file.pub}), replacing any. */
    public static KeyPair create(Path file, String comment) throws IOException {
        KeyPair kp;
        try {
            kp = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate an ed25519 key: " + e.getMessage(), e);
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(tmp)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, comment, null, out);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(file.resolveSibling(file.getFileName() + ".pub"), publicLine(kp.getPublic()) + " " + comment + "\n");
        return kp;
    }

    /** The (unencrypted) OpenSSH private key in {@code file}. */
    public static KeyPair load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> kps = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, null);
            Iterator<KeyPair> it = kps == null ? null : kps.iterator();
            if (it == null || !it.hasNext()) {
                throw new IOException("no key in " + file);
            }
            return it.next();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code ssh-ed25519 AAAA…}: the key as authorized_keys and known_hosts write it. */
    public static String publicLine(PublicKey key) {
        return PublicKeyEntry.toString(key);
    }

    /** {@code SHA256:…}, as {@code ssh-keygen -l} prints it. */
    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(key);
    }
}
