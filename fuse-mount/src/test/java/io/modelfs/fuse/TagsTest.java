package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code <mount>/NAME:TAG} is a symbolic link to the ref's directory, and follows a re-tag within seconds. */
class TagsTest {
  private final InMemoryModel v1 = InMemoryModel.builder("tiny", 4096).file("a.bin", 100, 0644).build();
  private final InMemoryModel v2 = InMemoryModel.builder("tiny", 4096).file("a.bin", 200, 0644).build();
  private final InMemoryCatalog catalog = new InMemoryCatalog().add(v1).add(v2);
  private final MovingClock clock = new MovingClock();
  private final ModelFileSystem fs = new ModelFileSystem(catalog, MountConfig.defaults(), clock, Runnable::run);

  @Test
  void aTagIsASymlinkToItsRefThatFollowsARetagAfterTheTtl() throws Exception {
    catalog.names.put("tiny:prod", v1.ref());
    Attributes a = fs.getattr("/tiny:prod");
    assertEquals(Attributes.S_IFLNK, a.mode() & 0170000);
    assertFalse(a.isDirectory());
    assertEquals(v1.ref().toString().length(), a.size());
    assertEquals(v1.ref().toString(), fs.readlink("/tiny:prod"));
    assertTrue(names(fs.readdir("/")).contains("tiny:prod"), "a tag looked up is listed");

    catalog.names.put("tiny:prod", v2.ref());
    assertEquals(v1.ref().toString(), fs.readlink("/tiny:prod"), "reused within the TTL");
    clock.now = clock.now.plus(Tags.TTL).plusMillis(1);
    assertEquals(v2.ref().toString(), fs.readlink("/tiny:prod"), "re-tag seen after the TTL");
    assertEquals(Attributes.S_IFDIR, fs.getattr("/" + fs.readlink("/tiny:prod")).mode() & 0170000,
        "the target is the model's directory");
    assertEquals(fs.getattr("/tiny:prod").inode(), a.inode(), "one inode per tag, so the kernel asks readlink again");
  }

  @Test
  void unknownTagsAreEnoentAndAFailingNameServiceIsEio() {
    FsException e = assertThrows(FsException.class, () -> fs.getattr("/tiny:nope"));
    assertEquals(Errno.ENOENT, e.errno());
    catalog.failure = new IOException("tracker unreachable");
    e = assertThrows(FsException.class, () -> fs.readlink("/tiny:nope"));
    assertEquals(Errno.EIO, e.errno());
    assertTrue(e.getMessage().contains("tiny:nope"), e.getMessage());
  }

  @Test
  void onlyRootEntriesOfTheFormNameColonTagAreTags() {
    assertTrue(Tags.isTag("llama:latest"));
    for (String s : List.of("llama", ":x", "x:", "a:b:c", "m@sha256:ab")) {
      assertFalse(Tags.isTag(s), s);
    }
  }

  private static List<String> names(List<DirEntry> entries) {
    return entries.stream().map(DirEntry::name).toList();
  }

  private static final class MovingClock extends Clock {
    Instant now = Instant.parse("2025-01-02T03:04:05Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
