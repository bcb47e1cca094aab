package io.fester.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The graph cache's code identity (ADR 0106) covers every Fester class a load runs: a class left out could change
 * in an upgrade and a cache written by the old code would still be restored. The classes a load can run are found
 * the way the JVM finds them, from the class files' constant pools (classes named, and types in descriptors),
 * followed from the identity's own classes to every io.fester class they reach.
 */
class NinjaGraphCacheCodeTest {
    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L(io/fester/[A-Za-z0-9_/$]+);");

    @Test
    void everyFesterClassALoadCanRunIsInTheCachesCodeIdentity() throws Exception {
        Set<String> covered = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        for (Class<?> c : NinjaGraphCache.codeClasses()) {
            covered.add(c.getName());
            todo.add(c.getName());
        }
        Set<String> seen = new HashSet<>();
        Set<String> missing = new TreeSet<>();
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name)) {
                continue;
            }
            String top = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;
            if (!covered.contains(top)) {
                missing.add(top);
            }
            for (String r : referenced(name)) {
                todo.add(r);
            }
        }
        assertEquals(Set.of(), missing, "classes a load runs that NinjaGraphCache.codeClasses() leaves out");
        // the walk itself sees what it must: the loader reaches the platform rules it records in each action
        assertEquals(true, seen.contains(Platforms.class.getName()), "the walk follows the loader's references");
    }

    /** The io.fester classes named in NAME's class file: its constant pool's classes and its descriptors' types. */
    private static Set<String> referenced(String name) throws IOException {
        Set<String> out = new HashSet<>();
        try (InputStream raw = NinjaGraphCacheCodeTest.class.getClassLoader()
                .getResourceAsStream(name.replace('.', '/') + ".class")) {
            assertNotNull(raw, "no class file for " + name);
            DataInputStream in = new DataInputStream(raw);
            in.readInt(); // magic
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classes = new int[count];
            int n = 0;
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classes[n++] = in.readUnsignedShort();
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++; // a long or double takes two entries
                    }
                    default -> throw new IOException(name + ": constant pool tag " + tag + " not known");
                }
            }
            for (int k = 0; k < n; k++) {
                add(out, utf8[classes[k]]);
            }
            for (String s : utf8) {
                if (s != null) {
                    Matcher m = DESCRIPTOR_TYPE.matcher(s);
                    while (m.find()) {
                        add(out, m.group(1));
                    }
                }
            }
        }
        return out;
    }

    private static void add(Set<String> out, String internal) {
        if (internal != null && internal.startsWith("io/fester/")) {
            out.add(internal.replace('/', '.'));
        }
    }
}
