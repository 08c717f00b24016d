package io.modelfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountTableTest {
  @Test
  void parsesMountPointTypeAndSourceWithEscapes() {
    MountTable.Mount m = MountTable.parse(
        "812 27 0:58 / /tmp/my\\040models rw,nosuid,nodev,relatime shared:441 - fuse.modelfs modelfs ro,user_id=0");
    assertEquals(Path.of("/tmp/my models"), m.mountPoint());
    assertEquals("fuse.modelfs", m.fsType());
    assertEquals("modelfs", m.source());
    assertEquals("0:58", m.device());
    assertTrue(m.isFuse());
    assertFalse(MountTable.parse("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw").isFuse());
  }
}
