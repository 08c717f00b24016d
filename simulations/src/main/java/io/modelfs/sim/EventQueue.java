package io.modelfs.sim;

import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * The simulator's agenda: a binary min-heap of events ordered by time, then by the order they
 * were scheduled, so two events at the same nanosecond always run in the same order and a run
 * is a pure function of its seed. Parallel primitive arrays instead of a PriorityQueue of boxed
 * entries: a 10,000-node run pushes hundreds of millions of events.
 *
 * <p>A {@link Keyed} event is in the queue at most once and knows where: {@link #reschedule}
 * moves it to a new time (taking the next sequence number, exactly as removing it and adding it
 * anew would) and {@link #cancel} takes it out. A flow's completion is one: its time changes with
 * every rate change, and an event per change (the old ones left to fire as no-ops) was 62% of a
 * 10,000-node run's events.
 *
 * <p>Not thread-safe; the simulator has one thread.
 */
final class EventQueue {
  /** An event that is in the queue at most once and can be moved or taken out there. */
  abstract static class Keyed implements Runnable {
    /** Its index in the heap, or -1 while not queued. */
    private int position = -1;

    final boolean queued() {
      return position >= 0;
    }
  }

  private long[] times = new long[1024];
  private long[] seqs = new long[1024];
  private Runnable[] events = new Runnable[1024];
  private int size;
  private long nextSeq;

  /**
   * Adds an event.
   *
   * @throws IllegalArgumentException if {@code event} is a {@link Keyed} one already queued (use {@link #reschedule})
   */
  void add(long time, Runnable event) {
    if (event instanceof Keyed k && k.queued()) {
      throw new IllegalArgumentException("keyed event " + event + " is queued already (at index " + k.position + ")");
    }
    if (size == times.length) {
      int n = size * 2;
      times = Arrays.copyOf(times, n);
      seqs = Arrays.copyOf(seqs, n);
      events = Arrays.copyOf(events, n);
    }
    siftUp(size++, time, nextSeq++, event);
  }

  /**
   * Queues {@code event} at {@code time}, or moves it there if it is queued: it then runs where a
   * fresh {@link #add} at this moment would put it (a new sequence number), and not where it was.
   * Returns true if it was queued before.
   */
  boolean reschedule(long time, Keyed event) {
    int i = event.position;
    if (i < 0) {
      add(time, event);
      return false;
    }
    place(i, time, nextSeq++, event);
    return true;
  }

  /** Takes a queued {@code event} out (it will not run); returns false if it was not queued. */
  boolean cancel(Keyed event) {
    int i = event.position;
    if (i < 0) {
      return false;
    }
    event.position = -1;
    int last = --size;
    if (i != last) {
      Runnable moved = events[last];
      long t = times[last];
      long s = seqs[last];
      events[last] = null;
      place(i, t, s, moved);
    } else {
      events[last] = null;
    }
    return true;
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
    if (top instanceof Keyed k) {
      k.position = -1;
    }
    int last = --size;
    long t = times[last];
    long s = seqs[last];
    Runnable e = events[last];
    events[last] = null;
    if (size > 0) {
      siftDown(0, t, s, e);
    }
    return top;
  }

  /** Puts an entry with a new key at index {@code i} (whose old entry is overwritten) and restores the heap. */
  private void place(int i, long time, long seq, Runnable event) {
    if (i > 0 && before(time, seq, times[(i - 1) >>> 1], seqs[(i - 1) >>> 1])) {
      siftUp(i, time, seq, event);
    } else {
      siftDown(i, time, seq, event);
    }
  }

  private void siftUp(int i, long time, long seq, Runnable event) {
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

  private void siftDown(int i, long time, long seq, Runnable event) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && before(times[right], seqs[right], times[child], seqs[child])) {
        child = right;
      }
      if (!before(times[child], seqs[child], time, seq)) {
        break;
      }
      set(i, times[child], seqs[child], events[child]);
      i = child;
    }
    set(i, time, seq, event);
  }

  private void set(int i, long time, long seq, Runnable event) {
    times[i] = time;
    seqs[i] = seq;
    events[i] = event;
    if (event instanceof Keyed k) {
      k.position = i;
    }
  }

  private static boolean before(long t1, long s1, long t2, long s2) {
    return t1 < t2 || (t1 == t2 && s1 < s2);
  }
}
