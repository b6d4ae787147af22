package jllm.engine.tokenizer;

import java.util.Arrays;

/** A growable list of ints without boxing. */
final class IntList {
    private int[] a;
    private int n;

    IntList() { this(16); }

    IntList(int capacity) { a = new int[Math.max(4, capacity)]; }

    void add(int v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        a[n++] = v;
    }

    void addAll(int[] vs) {
        for (int v : vs) {
            add(v);
        }
    }

    int get(int i) { return a[i]; }

    int size() { return n; }

    void clear() { n = 0; }

    int[] toArray() { return Arrays.copyOf(a, n); }

    int[] toArray(int from, int to) { return Arrays.copyOfRange(a, from, to); }
}
