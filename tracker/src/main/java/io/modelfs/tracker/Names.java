package io.modelfs.tracker;

import java.util.regex.Pattern;

/** Validation of the identifiers the tracker stores: node ids, zones, tags, peer addresses. */
final class Names {
  static final String DEFAULT_TAG = "latest";
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9._-]{0,64}");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private Names() {}

  static String nodeId(String id) throws TrackerException {
    if (id == null || !NODE_ID.matcher(id).matches()) {
      throw TrackerException.invalid("node id '%s' is not valid: use 1-64 letters, digits, '.', '_' or '-'", abbreviate(id));
    }
    return id;
  }

  static String zone(String zone) throws TrackerException {
    if (!ZONE.matcher(zone).matches()) {
      throw TrackerException.invalid("zone '%s' is not valid: use 0-64 letters, digits, '.', '_' or '-'", abbreviate(zone));
    }
    return zone;
  }

  /** A tag, "latest" when empty. */
  static String tag(String tag) throws TrackerException {
    if (tag == null || tag.isEmpty()) {
      return DEFAULT_TAG;
    }
    if (!TAG.matcher(tag).matches()) {
      throw TrackerException.invalid("tag '%s' is not valid: use 1-128 letters, digits, '.', '_' or '-'", abbreviate(tag));
    }
    return tag;
  }

  /** host:port with a port in 1-65535; the host is not resolved. */
  static String peerAddress(String address) throws TrackerException {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || address.length() > 255) {
      throw TrackerException.invalid("peer address '%s' is not HOST:PORT", abbreviate(address));
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw TrackerException.invalid("peer address '%s': port %d is not in 1-65535", abbreviate(address), port);
      }
    } catch (NumberFormatException e) {
      throw TrackerException.invalid("peer address '%s' is not HOST:PORT", abbreviate(address));
    }
    return address;
  }

  static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
