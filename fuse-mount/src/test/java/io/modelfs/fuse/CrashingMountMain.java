package io.modelfs.fuse;

import java.nio.file.Path;

/** Mounts an in-memory model on {@code args[0]}, says "mounted" and waits to be killed. */
public final class CrashingMountMain {
  private CrashingMountMain() {}

  public static void main(String[] args) throws Exception {
    InMemoryModel model = InMemoryModel.builder("crash", 4096).file("f", 10, 0644).build();
    FuseMount.mount(Path.of(args[0]), new InMemoryCatalog().add(model), MountConfig.defaults());
    System.out.println("mounted");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
