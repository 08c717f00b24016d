package io.modelfs.sim;

import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * The simulator's agenda: a binary min-heap of events ordered by time, then by the order they
 * were scheduled, so two events at the same nanosecond always run in the same order and a run
 * is a pure function of its seed. Parallel primitive arrays instead of a PriorityQueue of boxed
 * entries: a 10,000-node run pushes hundreds of millions of events.
 *
 * <p>Not thread-safe; the simulator has one thread.
 */
final class EventQueue {
  private long[] times = new long[1024];
  private long[] seqs = new long[1024];
  private Runnable[] events = new Runnable[1024];
  private int size;
  private long nextSeq;

  void add(long time, Runnable event) {
    if (size == times.length) {
      int n = size * 2;
      times = Arrays.copyOf(times, n);
      seqs = Arrays.copyOf(seqs, n);
      events = Arrays.copyOf(events, n);
    }
    long seq = nextSeq++;
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(time, seq, times[parent], seqs[parent])) {
        break;
      }
      set(i, times[parent], seqs[parent], events[parent]);
      i = parent;
    }
    set(i, time, seq, event);
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The time of the earliest event. */
  long peekTime() {
    if (size == 0) {
      throw new NoSuchElementException("the event queue is empty");
    }
    return times[0];
  }

  /** Removes and returns the earliest event (its time is {@link #peekTime()} before the call). */
  Runnable poll() {
    if (size == 0) {
      throw new NoSuchElementException("the event queue is empty");
    }
    Runnable top = events[0];
    int last = --size;
    long t = times[last];
    long s = seqs[last];
    Runnable e = events[last];
    events[last] = null;
    int i = 0;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && before(times[right], seqs[right], times[child], seqs[child])) {
        child = right;
      }
      if (!before(times[child], seqs[child], t, s)) {
        break;
      }
      set(i, times[child], seqs[child], events[child]);
      i = child;
    }
    if (size > 0) {
      set(i, t, s, e);
    }
    return top;
  }

  private void set(int i, long time, long seq, Runnable event) {
    times[i] = time;
    seqs[i] = seq;
    events[i] = event;
  }

  private static boolean before(long t1, long s1, long t2, long s2) {
    return t1 < t2 || (t1 == t2 && s1 < s2);
  }
}
