package dev.lorillama.hub;

import java.util.List;

/**
 * What the hub's {@code /api/models/REPO/revision/REV} says about a repository.
 *
 * @param commit  the commit the revision resolves to
 * @param files   every file, with its size in bytes (-1 when the hub did not say)
 * @param license the card's licence id (e.g. {@code llama3.2}), null when none is declared
 */
public record RepoInfo(String repo, String commit, List<RepoFile> files, String license) {
    public record RepoFile(String name, long size) {}

    public List<String> fileNames() {
        return files.stream().map(RepoFile::name).toList();
    }

    public long size(String file) {
        return files.stream().filter(f -> f.name().equals(file)).mapToLong(RepoFile::size).findFirst().orElse(-1);
    }
}
