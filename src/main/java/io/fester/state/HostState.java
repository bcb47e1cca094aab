package io.fester.state;

import io.fester.timeline.NodeEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One host as the timeline shows it: up or lost, its slots and what runs in them, its samples.
 * Changed only by {@link BuildState}.
 */
public final class HostState {
    /** A recorded resource sample and when it arrived. */
    public record Sample(long timeMs, NodeEvent node) {}

    private final String name;
    private final int slots;
    private final boolean local;
    private final List<String> tags;
    private final boolean anyToolchain;
    private final String kind;
    private final String label;
    private String toolchain;
    private List<String> platforms;
    private String backend;
    private String status = "unknown";
    private final int[] slotAction;
    private int running;
    private NodeEvent latest;
    private final List<Sample> samples = new ArrayList<>();

    HostState(String name, int slots, boolean local, List<String> tags, boolean anyToolchain) {
        this(name, slots, local, tags, anyToolchain, local ? "local" : "ssh");
    }

    HostState(String name, int slots, boolean local, List<String> tags, boolean anyToolchain, String kind) {
        this(name, slots, local, tags, anyToolchain, kind, kind);
    }

    HostState(String name, int slots, boolean local, List<String> tags, boolean anyToolchain, String kind,
            String label) {
        this.kind = kind;
        this.label = label;
        this.name = name;
        this.slots = slots;
        this.local = local;
        this.tags = List.copyOf(tags);
        this.anyToolchain = anyToolchain;
        this.slotAction = new int[slots];
        java.util.Arrays.fill(slotAction, -1);
    }

    HostState(HostState o) {
        this.name = o.name;
        this.slots = o.slots;
        this.local = o.local;
        this.tags = o.tags;
        this.anyToolchain = o.anyToolchain;
        this.kind = o.kind;
        this.label = o.label;
        this.toolchain = o.toolchain;
        this.platforms = o.platforms;
        this.backend = o.backend;
        this.status = o.status;
        this.slotAction = o.slotAction.clone();
        this.running = o.running;
        this.latest = o.latest;
        this.samples.addAll(o.samples);
    }

    public String name() {
        return name;
    }

    public int slots() {
        return slots;
    }

    public boolean local() {
        return local;
    }

    public List<String> tags() {
        return tags;
    }

    /** The toolchain fingerprint the host reported (with its {@code up}), or null. */
    public String toolchain() {
        return toolchain;
    }

    /** Whether the hosts file lets the host run actions whatever its toolchain ({@code toolchain: any}). */
    public boolean anyToolchain() {
        return anyToolchain;
    }

    void toolchain(String fingerprint) {
        toolchain = fingerprint;
    }

    /** The backend kind from the hosts file ({@code local}, {@code ssh}, {@code lxc}, …). */
    public String kind() {
        return kind;
    }

    /** What the lanes show of how the host runs actions: its kind, and {@code sandbox} when sandboxed. */
    public String kindLabel() {
        return label;
    }

    /** The target triples the host reported it compiles for (with its {@code up}), or null: none reported. */
    public List<String> platforms() {
        return platforms;
    }

    /** What runs the host's actions, as its backend reported it with its {@code up}, or null. */
    public String backend() {
        return backend;
    }

    void capabilities(List<String> reported, String by) {
        if (reported != null) {
            platforms = List.copyOf(reported);
        }
        if (by != null) {
            backend = by;
        }
    }

    /** {@code unknown} until its first {@code node} event, then {@code up} or {@code lost}. */
    public String status() {
        return status;
    }

    public boolean isUp() {
        return "up".equals(status);
    }

    /** Actions running on the host now. */
    public int running() {
        return running;
    }

    public int freeSlots() {
        return slots - running;
    }

    /** The lowest free slot, or -1. */
    public int firstFreeSlot() {
        for (int s = 0; s < slotAction.length; s++) {
            if (slotAction[s] < 0) {
                return s;
            }
        }
        return -1;
    }

    /** The action index in a slot, or -1. */
    public int actionInSlot(int slot) {
        return slotAction[slot];
    }

    /** The latest sample, or null. */
    public NodeEvent latest() {
        return latest;
    }

    /** Every sample so far, oldest first. */
    public List<Sample> samples() {
        return Collections.unmodifiableList(samples);
    }

    void status(String s) {
        status = s;
    }

    void sample(long timeMs, NodeEvent e) {
        latest = e;
        samples.add(new Sample(timeMs, e));
    }

    void occupy(int slot, int action) {
        if (slot >= 0 && slot < slotAction.length && slotAction[slot] < 0) {
            slotAction[slot] = action;
            running++;
        }
    }

    void release(int slot, int action) {
        if (slot >= 0 && slot < slotAction.length && slotAction[slot] == action) {
            slotAction[slot] = -1;
            running--;
        }
    }
}
