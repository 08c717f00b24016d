package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.modelfs.core.Digest;
import io.modelfs.core.Manifest;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ManifestFormatException;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ModelRecordProto;
import io.modelfs.core.proto.NameRecordProto;
import io.modelfs.core.proto.NodeProto;
import io.modelfs.core.proto.NodeRecordProto;
import io.modelfs.core.proto.RegistrySnapshotProto;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tracker's durable state: the node registry, published manifests with their sources, and
 * names ({@code name:tag → ref}). Deterministic: every change takes its time from the log
 * entry that carries it and nothing here reads a clock, so replicas that apply the same log
 * hold the same state, and {@link #snapshot()} of equal states gives equal bytes.
 *
 * <p>Bounded: nodes that stop heartbeating for the node TTL are forgotten, and so are models
 * that no name points to and no live node holds for the model TTL; counts and manifest size
 * have hard caps. Each mutating method validates first and changes nothing when it throws
 * {@link TrackerException} (codes INVALID, UNKNOWN_NODE, UNKNOWN_MODEL, CONFLICT). The
 * {@code check*} methods run the same validation without changing anything; the state machine
 * calls them before a command enters the log.
 *
 * <p>Not thread-safe: its owner serializes access.
 */
final class SwarmRegistry {
  private final RegistryLimits limits;
  private final Map<String, NodeRecord> nodes = new TreeMap<>();
  private final Map<Digest, ModelRecord> models = new TreeMap<>();
  private final Map<String, NameRecord> names = new TreeMap<>();
  private long lastExpiryMillis;

  /** A name's current target. The key is {@code name:tag}. */
  record NameRecord(String name, String tag, ModelRef ref, long updatedMillis) {
    String key() {
      return name + ":" + tag;
    }
  }

  SwarmRegistry(RegistryLimits limits) {
    this.limits = limits;
  }

  // --- nodes

  void checkRegister(String id, String address, String zone) throws TrackerException {
    Names.nodeId(id);
    Names.peerAddress(address);
    Names.zone(zone);
    if (!nodes.containsKey(id) && nodes.size() >= limits.maxNodes()) {
      throw new TrackerException(TrackerException.Code.CONFLICT,
          "tracker holds the maximum of " + limits.maxNodes() + " nodes; node '" + id + "' not registered");
    }
  }

  /** Adds or replaces a node (a restarted node registers again with the same id). */
  void register(String id, String address, String zone, long capacityBytes, long now) throws TrackerException {
    checkRegister(id, address, zone);
    NodeRecord old = nodes.get(id);
    Set<Digest> held = old == null ? Set.of() : old.models();
    nodes.put(id, new NodeRecord(id, address, zone, capacityBytes, now, now, held));
  }

  NodeRecord checkHeartbeat(String id, Collection<Digest> held) throws TrackerException {
    NodeRecord n = requireNode(id);
    if (held.size() > limits.maxModels()) {
      throw TrackerException.invalid("node '%s' claims %d models; at most %d", id, held.size(), limits.maxModels());
    }
    return n;
  }

  /** Records that a node is alive and which models it holds; unknown models are ignored. */
  void heartbeat(String id, Collection<Digest> held, long now) throws TrackerException {
    NodeRecord n = checkHeartbeat(id, held);
    Set<Digest> known = new HashSet<>();
    for (Digest d : held) {
      ModelRecord m = models.get(d);
      if (m != null) {
        known.add(d);
        models.put(d, m.wanted(now));
      }
    }
    nodes.put(id, n.heartbeat(now, known));
  }

  NodeRecord requireNode(String id) throws TrackerException {
    NodeRecord n = nodes.get(id);
    if (n == null) {
      throw new TrackerException(TrackerException.Code.UNKNOWN_NODE,
          "node '" + Names.abbreviate(id) + "' is not registered (or expired): register first");
    }
    return n;
  }

  Optional<NodeRecord> node(String id) {
    return Optional.ofNullable(nodes.get(id));
  }

  Collection<NodeRecord> nodes() {
    return nodes.values();
  }

  // --- models

  /** The most bytes a manifest's {@code .sig} may have (a real one has 89: base64 of 64 bytes and a newline). */
  static final int MAX_SIGNATURE_BYTES = 1024;

  /** Validates a publication; returns the model's chunk count. */
  long checkPublish(ModelRef ref, byte[] manifest, byte[] sources) throws TrackerException {
    return checkPublish(ref, manifest, sources, new byte[0]);
  }

  /**
   * Validates a publication with the manifest's {@code .sig} bytes (empty: unsigned); returns the
   * model's chunk count. The tracker holds no key: it bounds the signature's size and stores it,
   * agents with a public key verify it.
   */
  long checkPublish(ModelRef ref, byte[] manifest, byte[] sources, byte[] signature) throws TrackerException {
    if (signature.length > MAX_SIGNATURE_BYTES) {
      throw TrackerException.invalid("signature of %s is %d bytes; the tracker takes at most %d",
          ref, signature.length, MAX_SIGNATURE_BYTES);
    }
    if (manifest.length > limits.maxManifestBytes()) {
      throw TrackerException.invalid("manifest of %s is %d bytes; the tracker takes at most %d",
          ref, manifest.length, limits.maxManifestBytes());
    }
    if (!Digest.sha256(manifest).equals(ref.digest())) {
      throw TrackerException.invalid("manifest bytes do not hash to %s (they hash to %s)", ref, Digest.sha256(manifest).hex());
    }
    Manifest m;
    try {
      m = ManifestCodec.decode(manifest);
      ManifestCodec.decodeSources(sources);
    } catch (ManifestFormatException e) {
      throw TrackerException.invalid("manifest or sources of %s are malformed: %s", ref, e.getMessage());
    }
    if (!models.containsKey(ref.digest()) && models.size() >= limits.maxModels()) {
      throw new TrackerException(TrackerException.Code.CONFLICT,
          "tracker holds the maximum of " + limits.maxModels() + " models; " + ref + " not published");
    }
    return m.totalChunks();
  }

  /**
   * Stores a manifest and its sources. Publishing the same manifest again replaces its sources
   * (a new binding) and keeps the first publication time.
   */
  void publish(ModelRef ref, byte[] manifest, byte[] sources, long now) throws TrackerException {
    publish(ref, manifest, sources, new byte[0], now);
  }

  /**
   * As {@link #publish(ModelRef, byte[], byte[], long)} with the manifest's {@code .sig} bytes: a
   * non-empty signature replaces the stored one, an empty one keeps what was published before
   * (re-publishing sources does not strip a signature).
   */
  void publish(ModelRef ref, byte[] manifest, byte[] sources, byte[] signature, long now) throws TrackerException {
    long chunks = checkPublish(ref, manifest, sources, signature);
    ModelRecord old = models.get(ref.digest());
    long published = old == null ? now : old.publishedMillis();
    byte[] sig = signature.length > 0 || old == null ? signature.clone() : old.signature();
    models.put(ref.digest(), new ModelRecord(ref, manifest.clone(), sources.clone(), chunks, published, now, sig));
  }

  ModelRecord requireModel(Digest digest) throws TrackerException {
    ModelRecord m = models.get(digest);
    if (m == null) {
      throw new TrackerException(TrackerException.Code.UNKNOWN_MODEL,
          "model sha256:" + digest.hex() + " is not published on this tracker");
    }
    return m;
  }

  Optional<ModelRecord> model(Digest digest) {
    return Optional.ofNullable(models.get(digest));
  }

  int modelCount() {
    return models.size();
  }

  /** The most models a node may claim, and the tracker may hold. */
  int maxModels() {
    return limits.maxModels();
  }

  /** Every published model, by digest. */
  Collection<ModelRecord> models() {
    return models.values();
  }

  // --- names

  void checkTag(String name, String tag, ModelRef ref) throws TrackerException {
    try {
      ModelRef.checkName(name);
    } catch (IllegalArgumentException e) {
      throw TrackerException.invalid("%s", e.getMessage());
    }
    Names.tag(tag);
    requireModel(ref.digest());
  }

  /** Points {@code name:tag} at a published model (moving it if it pointed elsewhere). */
  void tag(String name, String tag, ModelRef ref, long now) throws TrackerException {
    checkTag(name, tag, ref);
    String t = Names.tag(tag);
    NameRecord rec = new NameRecord(name, t, ref, now);
    names.put(rec.key(), rec);
    models.put(ref.digest(), models.get(ref.digest()).wanted(now));
  }

  Optional<ModelRef> resolve(String name, String tag) throws TrackerException {
    NameRecord r = names.get(name + ":" + Names.tag(tag));
    return r == null ? Optional.empty() : Optional.of(r.ref());
  }

  int nameCount() {
    return names.size();
  }

  /** Every name, by {@code name:tag}. */
  Collection<NameRecord> names() {
    return names.values();
  }

  // --- expiry

  /**
   * Forgets dead nodes and unwanted models if the expiry interval has passed since the last
   * sweep (in log time). Returns how many entries it removed.
   */
  int expireIfDue(long now) {
    if (now - lastExpiryMillis < limits.expiryIntervalMillis()) {
      return 0;
    }
    lastExpiryMillis = now;
    int removed = 0;
    var it = nodes.values().iterator();
    while (it.hasNext()) {
      if (now - it.next().lastHeartbeatMillis() > limits.nodeTtlMillis()) {
        it.remove();
        removed++;
      }
    }
    Set<Digest> wanted = new HashSet<>();
    names.values().forEach(n -> wanted.add(n.ref().digest()));
    nodes.values().forEach(n -> wanted.addAll(n.models()));
    var mit = models.entrySet().iterator();
    while (mit.hasNext()) {
      var e = mit.next();
      if (!wanted.contains(e.getKey()) && now - e.getValue().lastWantedMillis() > limits.modelTtlMillis()) {
        mit.remove();
        removed++;
      }
    }
    return removed;
  }

  // --- snapshots

  /** The whole state as deterministic bytes. */
  byte[] snapshot() {
    RegistrySnapshotProto.Builder b = RegistrySnapshotProto.newBuilder().setLastExpiryMillis(lastExpiryMillis);
    for (NodeRecord n : nodes.values()) {
      NodeRecordProto.Builder nb = NodeRecordProto.newBuilder()
          .setNode(NodeProto.newBuilder().setNodeId(n.id()).setPeerAddress(n.peerAddress()).setZone(n.zone()))
          .setCapacityBytes(n.capacityBytes())
          .setRegisteredMillis(n.registeredMillis())
          .setLastHeartbeatMillis(n.lastHeartbeatMillis());
      n.models().stream().sorted().forEach(d -> nb.addModels(ByteString.copyFrom(d.toBytes())));
      b.addNodes(nb);
    }
    for (ModelRecord m : models.values()) {
      b.addModels(ModelRecordProto.newBuilder()
          .setRef(m.ref().toString())
          .setManifest(ByteString.copyFrom(m.manifest()))
          .setSources(ByteString.copyFrom(m.sources()))
          .setPublishedMillis(m.publishedMillis())
          .setLastWantedMillis(m.lastWantedMillis())
          .setSignature(ByteString.copyFrom(m.signature())));
    }
    for (NameRecord n : names.values()) {
      b.addNames(NameRecordProto.newBuilder().setName(n.name()).setTag(n.tag()).setRef(n.ref().toString())
          .setUpdatedMillis(n.updatedMillis()));
    }
    return b.build().toByteArray();
  }

  /** Rebuilds a registry from {@link #snapshot()} bytes; a malformed snapshot is an IOException-like error. */
  static SwarmRegistry restore(byte[] bytes, RegistryLimits limits) throws TrackerException {
    SwarmRegistry r = new SwarmRegistry(limits);
    try {
      RegistrySnapshotProto p = RegistrySnapshotProto.parseFrom(bytes);
      r.lastExpiryMillis = p.getLastExpiryMillis();
      for (ModelRecordProto m : p.getModelsList()) {
        ModelRef ref = ModelRef.parse(m.getRef());
        byte[] manifest = m.getManifest().toByteArray();
        long chunks = ManifestCodec.decode(manifest).totalChunks();
        r.models.put(ref.digest(), new ModelRecord(ref, manifest, m.getSources().toByteArray(), chunks,
            m.getPublishedMillis(), m.getLastWantedMillis(), m.getSignature().toByteArray()));
      }
      for (NodeRecordProto n : p.getNodesList()) {
        List<Digest> held = new ArrayList<>();
        n.getModelsList().forEach(d -> held.add(Digest.of(d.toByteArray())));
        NodeProto np = n.getNode();
        r.nodes.put(np.getNodeId(), new NodeRecord(np.getNodeId(), np.getPeerAddress(), np.getZone(),
            n.getCapacityBytes(), n.getRegisteredMillis(), n.getLastHeartbeatMillis(), Set.copyOf(held)));
      }
      for (NameRecordProto n : p.getNamesList()) {
        NameRecord rec = new NameRecord(n.getName(), n.getTag(), ModelRef.parse(n.getRef()), n.getUpdatedMillis());
        r.names.put(rec.key(), rec);
      }
    } catch (InvalidProtocolBufferException | ManifestFormatException | IllegalArgumentException e) {
      throw TrackerException.invalid("tracker snapshot is malformed: %s", e.getMessage());
    }
    return r;
  }
}
