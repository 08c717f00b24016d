package io.modelfs.agent.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.modelfs.core.proto.AgentStatus;
import io.modelfs.core.proto.HoldingProto;
import io.modelfs.core.proto.ModelCompletion;
import io.modelfs.core.proto.ModelViewProto;
import io.modelfs.core.proto.NodeViewProto;
import io.modelfs.core.proto.SwarmViewProto;
import io.modelfs.core.proto.Traffic;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The document of {@code GET /api/swarm}, which the dashboard draws, on agents and trackers alike:
 *
 * <pre>
 * {"tracker": null,                       // an agent without --tracker: the node alone
 *  "nodes": [AgentStatus, ...]}
 * {"tracker": {"replicas": "t1=h:p,...", "reachable": true, "error": "", "leader": "t1", "term": "3",
 *              "activeLeases": 2, "viewAgeMillis": 400, "models": [ModelViewProto, ...]},
 *  "nodes": [AgentStatus, ...],          // this agent in full, then every other node the tracker knows
 *  "totals": {"nodes": 3, "traffic": Traffic, "deliveredBytes": "...", "originBytesSaved": "..."}}
 * </pre>
 *
 * Nodes seen only through the tracker carry what the leader knows: completion in chunks (with
 * the chunk bitfield), peer address, zone, time since last heard of, leases held, and the traffic
 * counters the node reported with its pings (rates derived by the leader); their store bytes are
 * this node's alone to know, so they are zero. {@code totals} sums the listed nodes' traffic
 * (counters and rates, by source): bytes delivered to readers and pulls, and the origin bytes
 * the swarm saved = delivered − origin. 64-bit numbers are strings (proto3 JSON). Stateless.
 */
public final class SwarmJson {
  /** A node the tracker has not heard from for this long is shown "not ready". */
  static final long SILENT_MILLIS = 30_000;

  private SwarmJson() {}

  /**
   * What this process knows of the tracker group.
   *
   * @param replicas the group as configured ({@code id=host:port,...})
   * @param view the last swarm view the leader gave, or null if none yet
   * @param error why the last attempt to get a view failed, or "" if it did not
   * @param viewAgeMillis how old {@code view} is
   */
  public record TrackerState(String replicas, SwarmViewProto view, String error, long viewAgeMillis) {
    public TrackerState {
      error = error == null ? "" : error;
    }

    public boolean reachable() {
      return error.isEmpty() && view != null;
    }
  }

  /** The document for an agent ({@code self}) or a tracker replica (null), with the tracker's view or without one (null). */
  public static String render(AgentStatus self, TrackerState tracker) {
    List<AgentStatus> nodes = new ArrayList<>();
    if (self != null) {
      nodes.add(self);
    }
    if (tracker != null && tracker.view() != null) {
      nodes.addAll(others(tracker.view(), self == null ? null : self.getNode()));
    }
    StringBuilder b = new StringBuilder("{\n  \"tracker\": ");
    b.append(tracker == null ? "null" : tracker(tracker)).append(",\n  \"nodes\": [");
    for (int i = 0; i < nodes.size(); i++) {
      b.append(i == 0 ? "" : ",\n").append(json(nodes.get(i)));
    }
    Traffic t = total(nodes);
    return b.append("],\n  \"totals\": {\"nodes\": ").append(nodes.size())
        .append(", \"traffic\": ").append(json(t).replace("\n", " "))
        .append(", \"deliveredBytes\": \"").append(delivered(t)).append('"')
        .append(", \"originBytesSaved\": \"").append(saved(t)).append("\"}\n}").toString();
  }

  /** The sum of the nodes' traffic, counters and rates. */
  public static Traffic total(List<AgentStatus> nodes) {
    Traffic.Builder b = Traffic.newBuilder();
    for (AgentStatus n : nodes) {
      Traffic t = n.getTraffic();
      b.setLocalBytes(b.getLocalBytes() + t.getLocalBytes()).setPeerBytes(b.getPeerBytes() + t.getPeerBytes())
          .setOriginBytes(b.getOriginBytes() + t.getOriginBytes())
          .setUploadedBytes(b.getUploadedBytes() + t.getUploadedBytes())
          .setUploadedChunks(b.getUploadedChunks() + t.getUploadedChunks())
          .setLocalBytesPerSecond(b.getLocalBytesPerSecond() + t.getLocalBytesPerSecond())
          .setPeerBytesPerSecond(b.getPeerBytesPerSecond() + t.getPeerBytesPerSecond())
          .setOriginBytesPerSecond(b.getOriginBytesPerSecond() + t.getOriginBytesPerSecond())
          .setUploadedBytesPerSecond(b.getUploadedBytesPerSecond() + t.getUploadedBytesPerSecond());
    }
    return b.build();
  }

  /** Bytes delivered to readers and pulls, from any source. */
  public static long delivered(Traffic t) {
    return t.getLocalBytes() + t.getPeerBytes() + t.getOriginBytes();
  }

  /** Origin bytes saved: delivered without the origin (from the local store or peers). */
  public static long saved(Traffic t) {
    return t.getLocalBytes() + t.getPeerBytes();
  }

  /** Every node of {@code view} but {@code self}, in the shape of a node's own status. */
  public static List<AgentStatus> others(SwarmViewProto view, String self) {
    List<AgentStatus> out = new ArrayList<>();
    for (NodeViewProto n : view.getNodesList()) {
      if (!n.getNode().getNodeId().equals(self)) {
        out.add(node(n, view.getNowMillis()));
      }
    }
    return out;
  }

  /** One line about the tracker: the group, and its leader and term, or why it is unreachable. */
  public static String summary(TrackerState t) {
    if (t.reachable()) {
      return t.replicas() + "; leader " + t.view().getLeaderId() + ", term " + t.view().getTerm();
    }
    return t.replicas() + "; unreachable (" + (t.error().isEmpty() ? "no answer yet" : t.error()) + ")";
  }

  /** A node as the tracker knows it, in the shape of this node's own status. */
  static AgentStatus node(NodeViewProto n, long nowMillis) {
    long heard = Math.max(n.getLastContactMillis(), n.getLastHeartbeatMillis());
    long silent = Math.max(0, nowMillis - heard);
    AgentStatus.Builder b = AgentStatus.newBuilder()
        .setNode(n.getNode().getNodeId())
        .setPeerAddress(n.getNode().getPeerAddress())
        .setZone(n.getNode().getZone())
        .setLastSeenMillis(silent)
        .setLeasesHeld(n.getLeasesHeld())
        .setBudgetBytes(n.getCapacityBytes())
        .setTraffic(n.getTraffic())
        .setReadiness(silent <= SILENT_MILLIS ? "ready (seen by the tracker " + silent / 1000 + " s ago)"
            : "not ready: the tracker has not heard from it for " + silent / 1000 + " s");
    for (HoldingProto h : n.getHoldingsList()) {
      b.addModels(h.getRef());
      b.addCompletion(ModelCompletion.newBuilder().setRef(h.getRef()).setChunksTotal(h.getChunkCount())
          .setChunksLocal(h.getChunksHeld()).setLocalChunks(h.getBitfield()));
    }
    return b.build();
  }

  private static String tracker(TrackerState t) {
    StringBuilder b = new StringBuilder("{\"replicas\": ").append(quote(t.replicas()))
        .append(", \"reachable\": ").append(t.reachable())
        .append(", \"error\": ").append(quote(t.error()));
    SwarmViewProto v = t.view();
    if (v != null) {
      b.append(", \"leader\": ").append(quote(v.getLeaderId()))
          .append(", \"term\": \"").append(v.getTerm()).append('"')
          .append(", \"activeLeases\": ").append(v.getActiveLeases())
          .append(", \"viewAgeMillis\": ").append(t.viewAgeMillis())
          .append(", \"models\": [");
      List<ModelViewProto> models = v.getModelsList();
      for (int i = 0; i < models.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(json(models.get(i)).replace("\n", " "));
      }
      b.append(']');
    }
    return b.append('}').toString();
  }

  /** A message in proto3's JSON mapping (64-bit numbers are strings), every field present. */
  public static String json(MessageOrBuilder m) {
    try {
      return JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(e); // only for Any fields of unknown types; these messages have none
    }
  }

  /** {@code s} as a JSON string. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
