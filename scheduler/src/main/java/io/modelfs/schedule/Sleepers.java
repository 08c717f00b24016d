package io.modelfs.schedule;

import java.util.Arrays;

/**
 * The sleeping prefetch wants of one model that wake at a time: a binary min-heap of (wake time,
 * want, the want's sleep number). A want woken early (by an event) or put to sleep again leaves
 * its old entry behind; the entry is recognised as stale by the sleep number and dropped when it
 * comes up, so no event ever searches the heap. Which of two due wants wakes first does not
 * matter: a woken want joins the model's ready set, which is sorted.
 *
 * <p>Stale entries live at most until their wake time (a lease wait, a backoff, a stall: seconds);
 * the heap is rebuilt from the live entries if stale ones ever outnumber them by far.
 * Mutable state owned by {@link SwarmScheduler}; not thread-safe.
 */
final class Sleepers {
  private static final int COMPACT_MIN = 1024;

  private long[] times = new long[16];
  private int[] numbers = new int[16];
  private Want[] wants = new Want[16];
  private int size;

  /** Wakes {@code w} at {@code at} unless it sleeps again or wakes before (its {@link Want#sleepNumber} moves on). */
  void add(long at, Want w) {
    if (size == times.length) {
      int before = size;
      if (before < COMPACT_MIN || compact() > before / 2) {
        int n = times.length * 2;
        times = Arrays.copyOf(times, n);
        numbers = Arrays.copyOf(numbers, n);
        wants = Arrays.copyOf(wants, n);
      }
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (times[parent] <= at) {
        break;
      }
      set(i, times[parent], numbers[parent], wants[parent]);
      i = parent;
    }
    set(i, at, w.sleepNumber, w);
  }

  /**
   * Removes and returns the next want still asleep under the entry's sleep number whose time is
   * at or before {@code now}, dropping stale entries on the way; null if there is none.
   */
  Want pollDue(long now) {
    while (size > 0 && times[0] <= now) {
      Want w = wants[0];
      int number = numbers[0];
      removeTop();
      if (w.asleep && w.sleepNumber == number) {
        return w;
      }
    }
    return null;
  }

  int size() {
    return size;
  }

  private void removeTop() {
    int last = --size;
    long t = times[last];
    int n = numbers[last];
    Want w = wants[last];
    wants[last] = null;
    if (last == 0) {
      return;
    }
    int i = 0;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && times[right] < times[child]) {
        child = right;
      }
      if (times[child] >= t) {
        break;
      }
      set(i, times[child], numbers[child], wants[child]);
      i = child;
    }
    set(i, t, n, w);
  }

  /** Drops stale entries and restores the heap order; returns the new size. */
  private int compact() {
    long[] t = times;
    int[] n = numbers;
    Want[] w = wants;
    int old = size;
    times = new long[t.length];
    numbers = new int[t.length];
    wants = new Want[t.length];
    size = 0;
    for (int k = 0; k < old; k++) {
      if (w[k].asleep && w[k].sleepNumber == n[k]) {
        add(t[k], w[k]);
      }
    }
    return size;
  }

  private void set(int i, long time, int number, Want w) {
    times[i] = time;
    numbers[i] = number;
    wants[i] = w;
  }
}
