package io.fester.layout;

import java.util.Arrays;

/**
 * The "proper" layered graph used by {@link LayeredLayout}: the input nodes (ids {@code 0..n-1}) plus
 * dummy nodes (ids {@code n..size-1}) that split every routed edge into segments between adjacent
 * layers. Everything is held in flat int arrays (CSR adjacency); one instance serves one layout call and
 * is then discarded, so it is not thread-safe and need not be.
 */
final class LayerGraph {
    /** Number of input (real) nodes; ids {@code >= n} are dummies. */
    final int n;
    /** Real plus dummy nodes. */
    final int size;
    /** Number of layers (columns). */
    final int layers;
    /** Layer of every node, real or dummy. */
    final int[] layer;
    /** Source, target and first dummy ({@code -1} if none) of every input edge, in input order. */
    final int[] edgeSrc;
    final int[] edgeTgt;
    final int[] edgeDummy;
    /** Longest span (in layers) of an edge that is routed through dummies; longer edges are drawn straight. */
    final int routedSpan;
    /** Edges drawn straight (no dummies) because the dummy budget was exceeded. */
    final int straightEdges;
    /** {@code order[layerStart[l] .. layerStart[l+1])} are the nodes of layer l in their current order. */
    final int[] layerStart;
    final int[] order;
    /** Index of every node within its layer: {@code order[layerStart[layer[v]] + pos[v]] == v}. */
    final int[] pos;
    /** Segments between adjacent layers, as CSR: predecessors (layer - 1) and successors (layer + 1). */
    final int[] predStart;
    final int[] pred;
    final int[] succStart;
    final int[] succ;
    /** Size of the largest layer. */
    final int maxLayerSize;

    /**
     * @param deps        {@code deps[i]} = the nodes node i depends on ({@code null} = none)
     * @param maxDummies  dummy budget; when the edges would need more, the longest ones are drawn straight
     * @throws IllegalArgumentException on an out-of-range dependency or a cycle
     */
    LayerGraph(int[][] deps, long maxDummies) {
        n = deps.length;
        int e = 0;
        for (int i = 0; i < n; i++) {
            int[] d = deps[i];
            if (d == null) {
                continue;
            }
            for (int x : d) {
                if (x < 0 || x >= n) {
                    throw new IllegalArgumentException("node " + i + " depends on unknown node " + x);
                }
            }
            e += d.length;
        }
        edgeSrc = new int[e];
        edgeTgt = new int[e];
        int[] outStart = new int[n + 1];
        int[] indeg = new int[n];
        for (int i = 0, k = 0; i < n; i++) {
            if (deps[i] != null) {
                for (int x : deps[i]) {
                    edgeSrc[k] = x;
                    edgeTgt[k++] = i;
                    outStart[x + 1]++;
                }
                indeg[i] = deps[i].length;
            }
        }
        for (int i = 0; i < n; i++) {
            outStart[i + 1] += outStart[i];
        }
        int[] out = new int[e];
        int[] cursor = Arrays.copyOf(outStart, n);
        for (int k = 0; k < e; k++) {
            out[cursor[edgeSrc[k]]++] = edgeTgt[k];
        }

        // Longest-path layering in Kahn order, lowest ready index first (a binary min-heap of ints).
        int[] lay = new int[n];
        int[] heap = new int[n];
        int heapSize = 0;
        for (int i = 0; i < n; i++) {
            if (indeg[i] == 0) {
                heap[heapSize++] = i; // ascending, so already a valid heap
            }
        }
        int done = 0;
        int maxLayer = -1;
        while (heapSize > 0) {
            int u = heap[0];
            heapSize = heapPop(heap, heapSize);
            done++;
            maxLayer = Math.max(maxLayer, lay[u]);
            for (int j = outStart[u]; j < outStart[u + 1]; j++) {
                int w = out[j];
                lay[w] = Math.max(lay[w], lay[u] + 1);
                if (--indeg[w] == 0) {
                    heapSize = heapPush(heap, heapSize, w);
                }
            }
        }
        if (done < n) {
            throw new IllegalArgumentException("the dependency graph has a cycle (" + (n - done) + " nodes on or after it)");
        }
        layers = maxLayer + 1;

        // Dummy budget: route edges up to the longest span that keeps the dummy count within maxDummies.
        long[] spans = new long[layers + 1];
        long wanted = 0;
        for (int k = 0; k < e; k++) {
            int span = lay[edgeTgt[k]] - lay[edgeSrc[k]];
            spans[span]++;
            wanted += span - 1;
        }
        int limit = Math.max(layers, 1);
        if (wanted > maxDummies) {
            long acc = 0;
            limit = 1;
            for (int s = 2; s <= layers; s++) {
                acc += spans[s] * (s - 1);
                if (acc > maxDummies) {
                    break;
                }
                limit = s;
            }
        }
        routedSpan = limit;
        long dummies = 0;
        long segments = 0;
        int straight = 0;
        for (int s = 1; s <= layers; s++) {
            if (s <= limit) {
                dummies += spans[s] * (s - 1);
                segments += spans[s] * s;
            } else {
                straight += (int) spans[s];
            }
        }
        straightEdges = straight;
        if (n + dummies > Integer.MAX_VALUE - 8 || segments > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("graph too large to lay out");
        }
        size = n + (int) dummies;
        layer = Arrays.copyOf(lay, size);
        edgeDummy = new int[e];
        predStart = new int[size + 1];
        succStart = new int[size + 1];
        int next = n;
        for (int k = 0; k < e; k++) {
            int s = edgeSrc[k];
            int t = edgeTgt[k];
            int span = lay[t] - lay[s];
            if (span > limit) {
                edgeDummy[k] = -1;
                continue;
            }
            edgeDummy[k] = span > 1 ? next : -1;
            int a = s;
            for (int j = 1; j < span; j++) {
                int b = next++;
                layer[b] = lay[s] + j;
                succStart[a + 1]++;
                predStart[b + 1]++;
                a = b;
            }
            succStart[a + 1]++;
            predStart[t + 1]++;
        }
        for (int v = 0; v < size; v++) {
            predStart[v + 1] += predStart[v];
            succStart[v + 1] += succStart[v];
        }
        pred = new int[(int) segments];
        succ = new int[(int) segments];
        int[] pc = Arrays.copyOf(predStart, size);
        int[] sc = Arrays.copyOf(succStart, size);
        for (int k = 0; k < e; k++) {
            int s = edgeSrc[k];
            int t = edgeTgt[k];
            int span = lay[t] - lay[s];
            if (span > limit) {
                continue;
            }
            int a = s;
            for (int j = 1; j < span; j++) {
                int b = edgeDummy[k] + j - 1;
                succ[sc[a]++] = b;
                pred[pc[b]++] = a;
                a = b;
            }
            succ[sc[a]++] = t;
            pred[pc[t]++] = a;
        }

        // Initial order: real nodes by index (file order), then the layer's dummies in the order of
        // their predecessor in the previous layer.
        layerStart = new int[layers + 1];
        for (int v = 0; v < size; v++) {
            layerStart[layer[v] + 1]++;
        }
        int biggest = 0;
        for (int l = 0; l < layers; l++) {
            biggest = Math.max(biggest, layerStart[l + 1]);
            layerStart[l + 1] += layerStart[l];
        }
        maxLayerSize = biggest;
        order = new int[size];
        pos = new int[size];
        int[] fill = Arrays.copyOf(layerStart, layers);
        for (int v = 0; v < n; v++) {
            order[fill[lay[v]]++] = v;
        }
        for (int l = 0; l < layers; l++) {
            for (int p = layerStart[l]; p < layerStart[l + 1]; p++) {
                int u = order[p];
                pos[u] = p - layerStart[l];
                for (int j = succStart[u]; j < succStart[u + 1]; j++) {
                    if (succ[j] >= n) {
                        order[fill[l + 1]++] = succ[j];
                    }
                }
            }
        }
    }

    /** Recomputes {@link #pos} from {@link #order}. */
    void updatePositions() {
        for (int l = 0; l < layers; l++) {
            int lo = layerStart[l];
            for (int p = lo; p < layerStart[l + 1]; p++) {
                pos[order[p]] = p - lo;
            }
        }
    }

    /** Sorts every predecessor and successor list by position (O(V + E), no comparisons). */
    void sortAdjacencyByPosition() {
        int[] pc = Arrays.copyOf(predStart, size);
        int[] sc = Arrays.copyOf(succStart, size);
        int[] newPred = new int[pred.length];
        int[] newSucc = new int[succ.length];
        for (int p = 0; p < size; p++) { // layers in order, nodes in order within a layer
            int u = order[p];
            for (int j = succStart[u]; j < succStart[u + 1]; j++) {
                newPred[pc[succ[j]]++] = u;
            }
            for (int j = predStart[u]; j < predStart[u + 1]; j++) {
                newSucc[sc[pred[j]]++] = u;
            }
        }
        System.arraycopy(newPred, 0, pred, 0, pred.length);
        System.arraycopy(newSucc, 0, succ, 0, succ.length);
    }

    private static int heapPush(int[] heap, int size, int v) {
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
        return size + 1;
    }

    /** Removes heap[0]; returns the new size. */
    private static int heapPop(int[] heap, int size) {
        int last = heap[--size];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && heap[c + 1] < heap[c]) {
                c++;
            }
            if (heap[c] >= last) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return size;
    }
}
