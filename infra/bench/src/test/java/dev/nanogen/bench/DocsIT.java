package dev.nanogen.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ as a newcomer reads them from a clone: every relative link names a file of
 * the repository and, with a {@code #section}, a heading of that file; and no file of the
 * repository (docs, sources, settings, scripts) points outside it.
 */
class DocsIT {
  private static final Path ROOT = DeploymentFilesIT.ROOT;
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*$");

  private static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
  static String anchor(String heading) {
    return heading
        .toLowerCase(Locale.ROOT)
        .replaceAll("[`*_]", "")
        .replaceAll("[^\\p{L}\\p{N} -]", "")
        .replace(' ', '-');
  }

  private static List<String> anchors(Path page) throws IOException {
    List<String> anchors = new ArrayList<>();
    Matcher m = HEADING.matcher(Files.readString(page));
    while (m.find()) {
      anchors.add(anchor(m.group(1)));
    }
    return anchors;
  }

  @Test
  void every_relative_link_resolves_to_a_file_and_section_of_the_repository() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      Matcher m = LINK.matcher(Files.readString(page));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // https:, mailto:
        }
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String section = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        String where = ROOT.relativize(page) + " → " + target;
        if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
          broken.add(where + " (no such file in the repository)");
        } else if (section != null
            && resolved.toString().endsWith(".md")
            && !anchors(resolved).contains(section)) {
          broken.add(where + " (no such section)");
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  /** Every text file of the repository: sources, docs, settings, scripts, deployment files. */
  private static List<Path> texts() throws IOException {
    List<String> skipped = List.of("target", "node_modules", ".git", ".nanogen", ".mvn", "build");
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              f -> {
                for (Path part : ROOT.relativize(f)) {
                  if (skipped.contains(part.toString())) {
                    return false;
                  }
                }
                return true;
              })
          .filter(
              f ->
                  f.toString()
                          .matches(
                              ".*\\.(java|md|yml|yaml|json|xml|properties|sql|ts|js|html|css|sh)$")
                      || f.getParent().endsWith(Path.of("infra", "bin"))
                      || f.getFileName().toString().equals("run"))
          .filter(f -> !f.getFileName().toString().equals("DocsIT.java"))
          .sorted()
          .toList();
    }
  }

  @Test
  void nothing_points_outside_the_repository() throws IOException {
    List<String> outside = new ArrayList<>();
    List<Path> texts = texts();
    assertThat(texts).as("the walk finds the sources").hasSizeGreaterThan(200);
    for (Path page : texts) {
      String text = Files.readString(page);
      for (String mark : List.of("../shared", "CONTRACT.md", "STYLE.md", "/work/")) {
        if (text.contains(mark)) {
          outside.add(ROOT.relativize(page) + " mentions " + mark);
        }
      }
    }
    assertThat(outside).isEmpty();
  }
}
