package io.modelfs.core;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.modelfs.core.proto.BindingProto;
import io.modelfs.core.proto.FileProto;
import io.modelfs.core.proto.ManifestProto;
import io.modelfs.core.proto.ObjectVersionProto;
import io.modelfs.core.proto.SourcesProto;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Manifest and sources bytes. Encoding is deterministic (fields in number order, files sorted
 * by path, no maps), so the same content always gives the same bytes and the same ref. Decoding
 * is strict: unknown fields, bad paths and wrong chunk counts are errors, never ignored.
 * The ref is computed from the bytes as stored, never from a re-serialization.
 */
public final class ManifestCodec {
  /** A manifest larger than this is refused before parsing (1.5 M chunks of 32 bytes). */
  public static final int MAX_MANIFEST_BYTES = 64 << 20;

  private ManifestCodec() {}

  public static byte[] encode(Manifest m) {
    ManifestProto.Builder b = ManifestProto.newBuilder()
        .setFormatVersion(m.formatVersion())
        .setName(m.name())
        .setChunkSize(m.chunkSize());
    for (FileEntry f : m.files()) {
      FileProto.Builder fb = FileProto.newBuilder().setPath(f.path()).setSize(f.size()).setMode(f.mode());
      for (Digest d : f.chunks()) {
        fb.addChunkDigests(ByteString.copyFrom(d.toBytes()));
      }
      b.addFiles(fb);
    }
    return deterministicBytes(b.build());
  }

  /** The ref naming these manifest bytes: the manifest's name and the SHA-256 of the bytes. */
  public static ModelRef refOf(String name, byte[] manifestBytes) {
    return new ModelRef(name, Digest.sha256(manifestBytes));
  }

  /** Parses and validates manifest bytes; the exception says what is wrong. */
  public static Manifest decode(byte[] bytes) throws ManifestFormatException {
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new ManifestFormatException("manifest of " + bytes.length + " bytes exceeds the limit of " + MAX_MANIFEST_BYTES);
    }
    ManifestProto p;
    try {
      p = ManifestProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ManifestFormatException("not a modelfs manifest: " + e.getMessage(), e);
    }
    rejectUnknownFields(p, "manifest");
    try {
      List<FileEntry> files = new ArrayList<>(p.getFilesCount());
      for (FileProto f : p.getFilesList()) {
        rejectUnknownFields(f, "file entry '" + f.getPath() + "'");
        List<Digest> chunks = new ArrayList<>(f.getChunkDigestsCount());
        for (ByteString d : f.getChunkDigestsList()) {
          if (d.size() != Digest.LENGTH) {
            throw new ManifestFormatException("file '" + f.getPath() + "' has a chunk digest of " + d.size() + " bytes, not 32");
          }
          chunks.add(Digest.of(d.toByteArray()));
        }
        if (f.getSize() < 0) {
          throw new ManifestFormatException("file '" + f.getPath() + "' has a size beyond 2^63");
        }
        files.add(new FileEntry(f.getPath(), f.getSize(), f.getMode(), chunks));
      }
      if (p.getChunkSize() > Integer.MAX_VALUE) {
        throw new ManifestFormatException("chunk size " + Integer.toUnsignedString(p.getChunkSize()) + " is too large");
      }
      return new Manifest(p.getFormatVersion(), p.getName(), p.getChunkSize(), files);
    } catch (IllegalArgumentException e) {
      throw new ManifestFormatException("invalid manifest: " + e.getMessage(), e);
    }
  }

  public static byte[] encodeSources(Sources s) {
    SourcesProto.Builder b = SourcesProto.newBuilder();
    for (Sources.Binding binding : s.bindings()) {
      BindingProto.Builder bb = BindingProto.newBuilder().setUri(binding.uri());
      new TreeMap<>(binding.versions()).forEach((path, version) ->
          bb.addObjects(ObjectVersionProto.newBuilder().setPath(path).setVersion(version)));
      b.addBindings(bb);
    }
    return deterministicBytes(b.build());
  }

  public static Sources decodeSources(byte[] bytes) throws ManifestFormatException {
    SourcesProto p;
    try {
      p = SourcesProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ManifestFormatException("not a modelfs sources file: " + e.getMessage(), e);
    }
    rejectUnknownFields(p, "sources");
    try {
      List<Sources.Binding> bindings = new ArrayList<>();
      for (BindingProto b : p.getBindingsList()) {
        rejectUnknownFields(b, "binding '" + b.getUri() + "'");
        Map<String, String> versions = new TreeMap<>();
        for (ObjectVersionProto o : b.getObjectsList()) {
          rejectUnknownFields(o, "object '" + o.getPath() + "'");
          if (versions.put(o.getPath(), o.getVersion()) != null) {
            throw new ManifestFormatException("binding '" + b.getUri() + "' lists '" + o.getPath() + "' twice");
          }
        }
        bindings.add(new Sources.Binding(b.getUri(), versions));
      }
      return new Sources(bindings);
    } catch (IllegalArgumentException e) {
      throw new ManifestFormatException("invalid sources: " + e.getMessage(), e);
    }
  }

  private static void rejectUnknownFields(Message m, String what) throws ManifestFormatException {
    if (!m.getUnknownFields().asMap().isEmpty()) {
      throw new ManifestFormatException(what + " has fields this modelfs does not know (numbers "
          + m.getUnknownFields().asMap().keySet() + "); it was written by a newer version or is corrupt");
    }
  }

  private static byte[] deterministicBytes(Message m) {
    byte[] out = new byte[m.getSerializedSize()];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    cos.useDeterministicSerialization();
    try {
      m.writeTo(cos);
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new AssertionError("writing to an array of the exact size cannot fail", e);
    }
    return out;
  }
}
