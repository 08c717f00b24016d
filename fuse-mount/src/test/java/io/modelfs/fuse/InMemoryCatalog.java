package io.modelfs.fuse;

import io.modelfs.core.ModelRef;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A catalog of {@link InMemoryModel}s that counts how often it is asked; can be told to fail. */
final class InMemoryCatalog implements ModelCatalog {
  private final Map<ModelRef, ModelContent> models = new ConcurrentHashMap<>();
  final Map<String, ModelRef> names = new ConcurrentHashMap<>();
  final AtomicInteger opens = new AtomicInteger();
  final AtomicInteger resolves = new AtomicInteger();
  volatile IOException failure;

  InMemoryCatalog add(ModelContent model) {
    models.put(model.ref(), model);
    return this;
  }

  @Override
  public Optional<ModelContent> open(ModelRef ref) throws IOException {
    opens.incrementAndGet();
    if (failure != null) {
      throw failure;
    }
    return Optional.ofNullable(models.get(ref));
  }

  @Override
  public Optional<ModelRef> resolveName(String nameTag) throws IOException {
    resolves.incrementAndGet();
    if (failure != null) {
      throw failure;
    }
    return Optional.ofNullable(names.get(nameTag));
  }
}
