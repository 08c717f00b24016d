package io.modelfs.p2p;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test if Netty's leak detector (PARANOID in this module's surefire config) reported a
 * buffer that was garbage-collected without being released. Installs its detector factory before
 * any buffer class is loaded, so every test class must use it.
 */
final class LeakCheck implements AfterEachCallback {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  static {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
      @Override
      @SuppressWarnings("deprecation")
      public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
        ResourceLeakDetector<T> d = new ResourceLeakDetector<>(resource, samplingInterval);
        d.setLeakListener((type, records) -> LEAKS.add(type + ": " + records));
        return d;
      }
    });
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (int round = 0; round < 3; round++) {
      System.gc();
      Thread.sleep(30);
      for (int i = 0; i < 50; i++) {
        // allocating tracked buffers makes the detector poll its queue of collected ones
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        b.release();
        ByteBuf u = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
        u.release();
      }
    }
    if (!LEAKS.isEmpty()) {
      String all = String.join("\n", LEAKS);
      LEAKS.clear();
      throw new AssertionError("Netty reported leaked buffers:\n" + all);
    }
  }
}
