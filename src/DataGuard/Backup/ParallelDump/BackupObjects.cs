using System.Text.RegularExpressions;
using DataGuard.Storage;

namespace DataGuard.Backup.ParallelDump;

/// <summary>Rules for the object list of a parallel backup's manifest, checked when a manifest is read.</summary>
internal static partial class BackupObjects
{
    /// <summary>Gets the table of contents of a parallel backup.</summary>
    /// <param name="manifest">A manifest with objects.</param>
    /// <returns>Its <c>toc.dat</c> object.</returns>
    public static BackupObject TableOfContents(BackupManifest manifest) =>
        manifest.Objects!.First(o => o.Name == DumpDirectoryWatcher.TableOfContents);

    /// <summary>Why a manifest's object list cannot be trusted, or <see langword="null"/> when it can (or there is none).</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="folderId">The backup folder it was read from.</param>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    public static string? Problem(BackupManifest manifest, string folderId)
    {
        if (manifest.Objects is not { } objects)
        {
            return null;
        }

        var folder = StorageLayout.BackupFolder(folderId);
        foreach (var item in objects)
        {
            // Names become file names in a restore's folder: plain names only.
            if (!SafeName().IsMatch(item.Name) || item.Name is "." or "..")
            {
                return $"its object name '{item.Name}' is not a plain file name";
            }

            if (!item.Key.StartsWith(folder, StringComparison.Ordinal))
            {
                return $"its object key '{item.Key}' lies outside its folder";
            }

            // A file system storage resolves '..' and '.': a key must name a place under the folder, segment by segment.
            if (item.Key.Split('/').Any(segment => segment is "" or "." or ".."))
            {
                return $"its object key '{item.Key}' has an unsafe segment ('..', '.' or empty)";
            }
        }

        if (objects.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != objects.Count)
        {
            return "it lists an object name twice";
        }

        var toc = objects.FirstOrDefault(o => o.Name == DumpDirectoryWatcher.TableOfContents);
        return toc is null || toc.Key != manifest.DataKey ? "it lists objects but no toc.dat object under its data key" : null;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,200}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();
}
