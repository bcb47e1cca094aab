package io.fester.schedule;

import java.util.Map;
import java.util.TreeMap;

/** The factor weights of the hosts file, with the contract's defaults. */
public final class Weights {
    /** Factor names in the order reports show them. */
    public static final String CPU = "cpu";
    public static final String THERMAL = "thermal";
    public static final String HISTORY = "history";
    public static final String INSTABILITY = "instability";
    public static final String LOCALITY = "locality";

    private Weights() {}

    /** The defaults: every factor 1.0 but locality 0.5. */
    public static Map<String, Double> defaults() {
        Map<String, Double> w = new TreeMap<>();
        w.put(CPU, 1.0);
        w.put(THERMAL, 1.0);
        w.put(HISTORY, 1.0);
        w.put(INSTABILITY, 1.0);
        w.put(LOCALITY, 0.5);
        return w;
    }

    /** The weight of a factor, 0 when absent. */
    public static double of(Map<String, Double> weights, String factor) {
        Double w = weights.get(factor);
        return w == null ? 0.0 : w;
    }
}
