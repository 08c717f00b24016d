package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.AnnounceProto;
import io.modelfs.core.proto.AwaitChunksProto;
import io.modelfs.core.proto.GetManifestProto;
import io.modelfs.core.proto.HeartbeatProto;
import io.modelfs.core.proto.LeaseReplyProto;
import io.modelfs.core.proto.LeaseRequestProto;
import io.modelfs.core.proto.ManifestReplyProto;
import io.modelfs.core.proto.NeighboursRequestProto;
import io.modelfs.core.proto.PingProto;
import io.modelfs.core.proto.PublishProto;
import io.modelfs.core.proto.RegisterNodeProto;
import io.modelfs.core.proto.ResolveProto;
import io.modelfs.core.proto.TagProto;
import io.modelfs.core.proto.TrackerErrorProto;
import io.modelfs.core.proto.TrackerReply;
import io.modelfs.core.proto.TrackerRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.ExponentialBackoffRetry;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * {@link TrackerClient} over a Ratis client: writes go through the log, reads are read-only
 * requests to the leader. The Ratis client finds and follows the leader and retries with
 * exponential backoff; this class bounds each call by {@link TrackerClientConfig#callTimeout()}
 * (a write: its retries stop at the call timeout, so it returns at most one request timeout and
 * one backoff later) and turns every failure into a {@link TrackerException}.
 */
final class RatisTrackerClient implements TrackerClient {
  private static final Pattern CODE = Pattern.compile("(INVALID|UNKNOWN_NODE|UNKNOWN_MODEL|NOT_LEADER|CONFLICT|FORBIDDEN): (.*)", Pattern.DOTALL);

  private final TrackerPeers peers;
  private final TrackerClientConfig config;
  private final RaftClient client;
  private final NodeCredentials credentials;

  RatisTrackerClient(TrackerPeers peers, TrackerClientConfig config) {
    this.peers = peers;
    this.config = config;
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(config.requestTimeout()));
    io.modelfs.core.ReloadingTls material = config.tls() == null ? null : loadTls(config.tls());
    // one reloading copy of the files for both the TLS handshakes and the request signatures
    this.credentials = material == null ? null : NodeCredentials.of(material);
    this.client = RaftClient.newBuilder()
        .setClientId(ClientId.randomId())
        .setProperties(p)
        .setParameters(material == null ? new org.apache.ratis.conf.Parameters() : TrackerTls.parameters(material))
        .setRaftGroup(TrackerServer.group(peers))
        .setRetryPolicy(retryPolicy(config))
        .build();
  }

  /**
   * Exponential backoff between attempts, and no attempt once a request is older than the call
   * that sent it may wait (reads: the call timeout plus the longest long-poll): a call given up
   * on does not go on retrying in the background, which for a LEASE would take leases the node
   * no longer waits for.
   */
  private static RetryPolicy retryPolicy(TrackerClientConfig config) {
    RetryPolicy backoff = ExponentialBackoffRetry.newBuilder()
        .setBaseSleepTime(millis(Duration.ofMillis(50)))
        .setMaxSleepTime(millis(Duration.ofSeconds(1)))
        .setMaxAttempts(config.maxAttempts())
        .build();
    return RequestTypeDependentRetryPolicy.newBuilder()
        .setRetryPolicy(RaftClientRequestProto.TypeCase.READ, backoff)
        .setRetryPolicy(RaftClientRequestProto.TypeCase.WRITE, backoff)
        .setTimeout(RaftClientRequestProto.TypeCase.READ, millis(config.callTimeout().plus(config.maxAwait())))
        .setTimeout(RaftClientRequestProto.TypeCase.WRITE, millis(config.callTimeout()))
        .build();
  }

  @Override
  public void register(String nodeId, String peerAddress, String zone, long capacityBytes) throws TrackerException {
    write(TrackerRequest.newBuilder().setRegister(RegisterNodeProto.newBuilder().setNodeId(nodeId)
        .setPeerAddress(peerAddress).setZone(zone).setCapacityBytes(capacityBytes)).build());
  }

  @Override
  public void heartbeat(String nodeId, Collection<Digest> models) throws TrackerException {
    HeartbeatProto.Builder b = HeartbeatProto.newBuilder().setNodeId(nodeId);
    models.forEach(d -> b.addModels(bytes(d)));
    // A read-only request: the leader coalesces heartbeats into one log entry per interval and
    // answers when that entry is committed.
    read(TrackerRequest.newBuilder().setHeartbeat(b).build(), config.callTimeout());
  }

  @Override
  public void publish(ModelRef ref, byte[] manifest, byte[] sources, byte[] signature) throws TrackerException {
    write(TrackerRequest.newBuilder().setPublish(PublishProto.newBuilder().setRef(ref.toString())
        .setManifest(ByteString.copyFrom(manifest)).setSources(ByteString.copyFrom(sources))
        .setSignature(signature == null ? ByteString.EMPTY : ByteString.copyFrom(signature))).build());
  }

  private static io.modelfs.core.ReloadingTls loadTls(io.modelfs.core.TlsFiles files) {
    try {
      return io.modelfs.core.ReloadingTls.load(files);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot load the node certificate " + files.certChain() + " or key "
          + files.privateKey() + " for the tracker: " + e.getMessage(), e);
    }
  }

  @Override
  public void tag(String name, String tag, ModelRef ref) throws TrackerException {
    write(TrackerRequest.newBuilder().setTag(TagProto.newBuilder().setName(name)
        .setTag(tag == null ? "" : tag).setRef(ref.toString())).build());
  }

  @Override
  public Optional<ModelRef> resolve(String name, String tag) throws TrackerException {
    TrackerReply r = read(TrackerRequest.newBuilder().setResolve(ResolveProto.newBuilder().setName(name)
        .setTag(tag == null ? "" : tag)).build(), config.callTimeout());
    String ref = r.getResolved().getRef();
    return ref.isEmpty() ? Optional.empty() : Optional.of(ModelRef.parse(ref));
  }

  @Override
  public Optional<Published> manifest(Digest digest) throws TrackerException {
    TrackerReply r = read(TrackerRequest.newBuilder().setGetManifest(GetManifestProto.newBuilder()
        .setDigest(bytes(digest))).build(), config.callTimeout());
    ManifestReplyProto m = r.getManifest();
    if (!m.getFound()) {
      return Optional.empty();
    }
    return Optional.of(new Published(ModelRef.parse(m.getRef()), m.getManifest().toByteArray(), m.getSources().toByteArray(),
        m.getSignature().isEmpty() ? null : m.getSignature().toByteArray()));
  }

  @Override
  public List<Node> neighbours(String nodeId, Optional<Digest> model, int limit) throws TrackerException {
    NeighboursRequestProto.Builder b = NeighboursRequestProto.newBuilder().setNodeId(nodeId).setLimit(limit);
    model.ifPresent(d -> b.setModel(bytes(d)));
    TrackerReply r = read(TrackerRequest.newBuilder().setNeighbours(b).build(), config.callTimeout());
    return r.getNeighbours().getNodesList().stream().map(n -> new Node(n.getNodeId(), n.getPeerAddress(), n.getZone())).toList();
  }

  @Override
  public io.modelfs.core.proto.SwarmViewProto swarm(boolean bitfields) throws TrackerException {
    return read(TrackerRequest.newBuilder().setSwarmView(io.modelfs.core.proto.SwarmViewRequestProto.newBuilder()
        .setBitfields(bitfields)).build(), config.callTimeout()).getSwarmView();
  }

  @Override
  public long ping(String nodeId, io.modelfs.core.proto.Traffic traffic) throws TrackerException {
    PingProto.Builder p = PingProto.newBuilder().setNodeId(nodeId);
    if (traffic != null) {
      p.setTraffic(traffic);
    }
    return read(TrackerRequest.newBuilder().setPing(p).build(), config.callTimeout()).getTerm();
  }

  @Override
  public long announceAll(String nodeId, Digest model, BitSet held, int chunkCount) throws TrackerException {
    return read(TrackerRequest.newBuilder().setAnnounce(full(nodeId, model, held, chunkCount)).build(), config.callTimeout()).getTerm();
  }

  private static AnnounceProto.Builder full(String nodeId, Digest model, BitSet held, int chunkCount) {
    byte[] bits = new byte[(chunkCount + 7) / 8];
    byte[] set = held.toByteArray();
    System.arraycopy(set, 0, bits, 0, Math.min(set.length, bits.length));
    return AnnounceProto.newBuilder().setNodeId(nodeId).setModel(bytes(model)).setFull(true).setBitfield(ByteString.copyFrom(bits));
  }

  /** One ping carrying every announcement (PingProto.announces). */
  @Override
  public ReportReply report(String nodeId, io.modelfs.core.proto.Traffic traffic, List<Announcement> announcements)
      throws TrackerException {
    PingProto.Builder p = PingProto.newBuilder().setNodeId(nodeId);
    if (traffic != null) {
      p.setTraffic(traffic);
    }
    for (Announcement a : announcements) {
      p.addAnnounces(a.full() != null ? full(nodeId, a.model(), a.full(), a.chunkCount())
          : AnnounceProto.newBuilder().setNodeId(nodeId).setModel(bytes(a.model())).addAllHave(a.have()).addAllDropped(a.dropped()));
    }
    TrackerReply r = read(TrackerRequest.newBuilder().setPing(p).build(), config.callTimeout());
    return new ReportReply(r.getTerm(), Duration.ofMillis(r.getReportIntervalMillis()));
  }

  @Override
  public long announceDelta(String nodeId, Digest model, Collection<Integer> have, Collection<Integer> dropped)
      throws TrackerException {
    return read(TrackerRequest.newBuilder().setAnnounce(AnnounceProto.newBuilder().setNodeId(nodeId)
        .setModel(bytes(model)).addAllHave(have).addAllDropped(dropped)).build(), config.callTimeout()).getTerm();
  }

  @Override
  public Leases lease(String nodeId, Digest model, Collection<Integer> chunks, Collection<Integer> released)
      throws TrackerException {
    return lease(nodeId, model, chunks, List.of(), released);
  }

  @Override
  public Leases lease(String nodeId, Digest model, Collection<Integer> chunks, Collection<Integer> unreachable,
      Collection<Integer> released) throws TrackerException {
    TrackerReply r = read(TrackerRequest.newBuilder().setLease(LeaseRequestProto.newBuilder().setNodeId(nodeId)
        .setModel(bytes(model)).addAllChunks(chunks).addAllUnreachable(unreachable).addAllReleased(released)).build(),
        config.callTimeout());
    LeaseReplyProto l = r.getLeases();
    return new Leases(List.copyOf(l.getGrantedList()), List.copyOf(l.getOnPeersList()), List.copyOf(l.getBusyList()),
        Duration.ofMillis(l.getLeaseMillis()), r.getTerm(), Duration.ofMillis(l.getNextAskMillis()));
  }

  @Override
  public List<Integer> await(String nodeId, Digest model, Collection<Integer> chunks, Duration timeout) throws TrackerException {
    Duration wait = timeout.compareTo(config.maxAwait()) > 0 ? config.maxAwait() : timeout;
    TrackerReply r = read(TrackerRequest.newBuilder().setAwait(AwaitChunksProto.newBuilder().setNodeId(nodeId)
        .setModel(bytes(model)).addAllChunks(chunks).setTimeoutMillis((int) wait.toMillis())).build(),
        config.callTimeout().plus(wait));
    return List.copyOf(r.getChunks().getAvailableList());
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      // Closing a client only releases channels; nothing to report to the caller.
    }
  }

  private void write(TrackerRequest request) throws TrackerException {
    call(request, false, config.callTimeout());
  }

  private TrackerReply read(TrackerRequest request, Duration timeout) throws TrackerException {
    return call(request, true, timeout);
  }

  /**
   * Sends one request; a NOT_LEADER answer (leadership moving) is retried with backoff until
   * the timeout.
   */
  private TrackerReply call(TrackerRequest request, boolean readOnly, Duration timeout) throws TrackerException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long sleep = 50;
    // With TLS, a request made for a node carries the node certificate's signature (NodeCredentials).
    byte[] bytes = credentials == null || NodeAuthenticator.nodeOf(request) == null ? request.toByteArray()
        : credentials.signedBytes(request, System.currentTimeMillis());
    Message message = Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(bytes));
    while (true) {
      TrackerReply reply = once(message, readOnly, request, deadline);
      if (!reply.hasError()) {
        return reply;
      }
      TrackerErrorProto e = reply.getError();
      if (e.getCode() != TrackerErrorProto.Code.NOT_LEADER || System.nanoTime() + sleep * 1_000_000 > deadline) {
        throw fromError(e.getCode(), e.getMessage());
      }
      sleepMillis(sleep);
      sleep = Math.min(sleep * 2, 500);
    }
  }

  /**
   * One request, never on Ratis' ordered stream. There a reply that reached this client after its
   * request timeout (a node too busy to read its socket in time: 16 agents on 2 cores, issue 8)
   * wedged the client for good: the replica had answered and forgotten the request, the client's
   * retry then sat at the head of the replica's in-order reply window, and every later reply to
   * this client waited behind it — LEASE, PING and NEIGHBOURS timed out for minutes while the
   * tracker answered other nodes in milliseconds (LateReplyIT). Reads go on the unordered stream
   * (each answered on its own); writes are blocking calls, one short-lived stream per attempt,
   * whose retries the replicas' retry cache de-duplicates, bounded by the retry policy's timeout.
   */
  private TrackerReply once(Message message, boolean readOnly, TrackerRequest request, long deadline) throws TrackerException {
    long remaining = Math.max(1, deadline - System.nanoTime());
    try {
      RaftClientReply reply = readOnly ? client.async().sendReadOnlyUnordered(message).get(remaining, TimeUnit.NANOSECONDS)
          : client.io().send(message);
      if (!reply.isSuccess()) {
        throw failure(reply.getException(), request);
      }
      return TrackerReply.parseFrom(reply.getMessage().getContent().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new TrackerException(TrackerException.Code.UNAVAILABLE, "tracker " + peers + " sent a malformed reply to "
          + request.getBodyCase() + ": " + e.getMessage(), e);
    } catch (ExecutionException e) {
      throw failure(e.getCause(), request);
    } catch (TimeoutException e) {
      throw new TrackerException(TrackerException.Code.UNAVAILABLE, "tracker " + peers + " did not answer "
          + request.getBodyCase() + " in time", e);
    } catch (InterruptedException | java.io.InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw new TrackerException(TrackerException.Code.UNAVAILABLE, "interrupted waiting for tracker " + peers, e);
    } catch (IOException e) {
      throw failure(e, request);
    }
  }

  private TrackerException failure(Throwable cause, TrackerRequest request) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof StateMachineException || t.getMessage() != null && CODE.matcher(t.getMessage()).find()) {
        Matcher m = CODE.matcher(String.valueOf(t.getMessage()));
        if (m.find()) {
          return fromError(TrackerErrorProto.Code.valueOf(m.group(1)), m.group(2));
        }
      }
    }
    return new TrackerException(TrackerException.Code.UNAVAILABLE, "tracker " + peers + " unavailable for "
        + request.getBodyCase() + ": " + cause, cause);
  }

  private static TrackerException fromError(TrackerErrorProto.Code code, String message) {
    TrackerException.Code c = switch (code) {
      case UNKNOWN_NODE -> TrackerException.Code.UNKNOWN_NODE;
      case UNKNOWN_MODEL -> TrackerException.Code.UNKNOWN_MODEL;
      case NOT_LEADER -> TrackerException.Code.UNAVAILABLE;
      case CONFLICT -> TrackerException.Code.CONFLICT;
      case FORBIDDEN -> TrackerException.Code.FORBIDDEN;
      default -> TrackerException.Code.INVALID;
    };
    return new TrackerException(c, message);
  }

  private static ByteString bytes(Digest d) {
    return ByteString.copyFrom(d.toBytes());
  }

  private static TimeDuration millis(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void sleepMillis(long ms) throws TrackerException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrackerException(TrackerException.Code.UNAVAILABLE, "interrupted", e);
    }
  }
}
