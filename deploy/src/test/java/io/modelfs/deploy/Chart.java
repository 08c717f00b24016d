package io.modelfs.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chart and its rendered form, for tests: renders with Helm's own engine (helm-java runs
 * Helm as a native library) and parses with fabric8's model.
 */
final class Chart {
  /** The deploy/ directory (the module's base directory, where Maven runs the tests). */
  static final Path DEPLOY = Path.of("").toAbsolutePath();
  static final Path CHART = DEPLOY.resolve("helm/modelfs");
  static final Path RENDERED = DEPLOY.resolve("k8s/modelfs.yaml");
  static final String RELEASE = "modelfs";
  static final String NAMESPACE = "modelfs";

  private Chart() {}

  /** {@code helm template modelfs deploy/helm/modelfs --namespace modelfs [--set k=v ...]}. */
  static String render(Map<String, String> sets) {
    TemplateCommand t = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE);
    sets.forEach(t::set);
    return t.call();
  }

  /** The plain manifests in deploy/k8s, parsed. */
  static List<HasMetadata> rendered() throws IOException {
    return parse(Files.readString(RENDERED));
  }

  static List<HasMetadata> parse(String yaml) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      boolean empty = doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"));
      if (!empty) {
        out.add(serialization.unmarshal(doc, HasMetadata.class));
      }
    }
    return out;
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name + " in the manifests"));
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
