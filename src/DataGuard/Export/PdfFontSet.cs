using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace DataGuard.Export;

/// <summary>
/// The fonts a PDF export may use, in the order they are tried for each character: <see cref="PdfExportOptions.RegularFont"/>,
/// <see cref="PdfExportOptions.FallbackFont"/>, <see cref="PdfExportOptions.FontPaths"/> (files, or directories searched
/// recursively), then the system's fonts (fc-list and the usual font directories) unless
/// <see cref="PdfExportOptions.SystemFonts"/> is off. Within a directory, upright regular sans faces come before bold,
/// italic, condensed, monospaced and serif ones. Files are read lazily, only as far down the list as a character needs.
/// </summary>
internal sealed class PdfFontSet
{
    private static readonly ConcurrentDictionary<string, PdfFontSet> Cache = new(StringComparer.Ordinal);
    private static readonly string[] Penalties = ["bold", "italic", "oblique", "light", "thin", "black", "heavy", "medium", "semi", "condensed", "narrow", "mono", "serif", "math", "symbol"];
    private readonly List<string> _candidates;
    private readonly List<PdfFontFile> _usable = [];
    private readonly List<(string Path, string Reason)> _skipped = [];
    private readonly ConcurrentDictionary<int, int> _byCodePoint = new();
    private readonly Lock _gate = new();
    private int _read;

    private PdfFontSet(List<string> candidates, string? bold)
    {
        _candidates = candidates;
        BoldOfFirst = bold;
    }

    /// <summary>Gets the configured bold face of the first font, if any.</summary>
    public string? BoldOfFirst { get; }

    /// <summary>Gets the fonts found unusable so far, with why.</summary>
    public IReadOnlyList<(string Path, string Reason)> Skipped
    {
        get
        {
            lock (_gate)
            {
                return [.. _skipped];
            }
        }
    }

    /// <summary>The font set of these options, found once per process and configuration.</summary>
    /// <param name="options">The PDF options.</param>
    /// <returns>The fonts.</returns>
    public static PdfFontSet For(PdfExportOptions options) => Cache.GetOrAdd(Key(options), _ => Scan(options));

    /// <summary>Finds the fonts anew (for <c>dataguard doctor</c>).</summary>
    /// <param name="options">The PDF options.</param>
    /// <returns>The fonts.</returns>
    public static PdfFontSet Scan(PdfExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var candidates = new List<string>();
        void Add(string path)
        {
            var full = Path.GetFullPath(path);
            if (!candidates.Contains(full, StringComparer.Ordinal))
            {
                candidates.Add(full);
            }
        }

        foreach (var file in new[] { options.RegularFont, options.FallbackFont })
        {
            if (file is not null && File.Exists(file))
            {
                Add(file);
            }
        }

        foreach (var path in options.FontPaths)
        {
            foreach (var file in FilesUnder(path))
            {
                Add(file);
            }
        }

        if (options.SystemFonts)
        {
            foreach (var file in SystemFontFiles())
            {
                Add(file);
            }
        }

        var bold = options.BoldFont is not null && File.Exists(options.BoldFont) ? Path.GetFullPath(options.BoldFont) : null;
        return new PdfFontSet(candidates, bold);
    }

    /// <summary>The index of the first font with a glyph for the character, or -1 when none has one.</summary>
    /// <param name="rune">The character.</param>
    /// <returns>An index for <see cref="Font"/>.</returns>
    public int FontFor(Rune rune) => _byCodePoint.GetOrAdd(rune.Value, FindFont);

    /// <summary>The index of the font used for text that has no glyph anywhere, and for punctuation: the first font that covers basic Latin.</summary>
    /// <returns>The index.</returns>
    /// <exception cref="DataGuardException">No usable font at all.</exception>
    public int Primary()
    {
        var index = FontFor(new Rune('a'));
        return index >= 0
            ? index
            : throw new DataGuardException($"{PdfExportOptions.SectionPath}: no usable TrueType font covers Latin letters (looked at {_candidates.Count} files); install fonts-dejavu-core or set FontPaths.") { Operation = "export" };
    }

    /// <summary>Gets a usable font by index.</summary>
    /// <param name="index">From <see cref="FontFor"/>.</param>
    /// <returns>The font.</returns>
    public PdfFontFile Font(int index)
    {
        lock (_gate)
        {
            return _usable[index];
        }
    }

    /// <summary>Every usable font (reads every candidate file: for the doctor).</summary>
    /// <returns>The fonts, in order.</returns>
    public IReadOnlyList<PdfFontFile> All()
    {
        lock (_gate)
        {
            while (ReadNext())
            {
            }

            return [.. _usable];
        }
    }

    /// <summary>The bold face of a font: the configured bold font for the first one, else a sibling file (<c>X-Bold.ttf</c>), else <see langword="null"/> (bold is simulated).</summary>
    /// <param name="font">The regular face.</param>
    /// <returns>The bold face's file, or <see langword="null"/>.</returns>
    public string? BoldOf(PdfFontFile font)
    {
        ArgumentNullException.ThrowIfNull(font);
        if (BoldOfFirst is not null && _usable.Count > 0 && ReferenceEquals(font, _usable[0]))
        {
            return BoldOfFirst;
        }

        var directory = Path.GetDirectoryName(font.Path)!;
        var stem = Path.GetFileNameWithoutExtension(font.Path);
        var extension = Path.GetExtension(font.Path);
        foreach (var name in new[] { stem + "-Bold", stem.Replace("-Regular", "-Bold", StringComparison.Ordinal), stem + "Bold", stem.Replace("Regular", "Bold", StringComparison.Ordinal) })
        {
            var candidate = Path.Combine(directory, name + extension);
            if (!string.Equals(candidate, font.Path, StringComparison.Ordinal) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Key(PdfExportOptions options) =>
        string.Join('\u0001', new[] { options.RegularFont, options.BoldFont, options.FallbackFont, options.SystemFonts ? "system" : "no-system" }.Concat(options.FontPaths));

    private int FindFont(int codePoint)
    {
        lock (_gate)
        {
            for (var i = 0; ; i++)
            {
                while (i >= _usable.Count)
                {
                    if (!ReadNext())
                    {
                        return -1;
                    }
                }

                if (_usable[i].Covers(codePoint))
                {
                    return i;
                }
            }
        }
    }

    private bool ReadNext()
    {
        while (_read < _candidates.Count)
        {
            var path = _candidates[_read++];
            var font = PdfFontFile.Read(path);
            if (font is null)
            {
                continue;
            }

            if (font.Unusable is { } reason)
            {
                _skipped.Add((path, reason));
                continue;
            }

            _usable.Add(font);
            return true;
        }

        return false;
    }

    private static IEnumerable<string> FilesUnder(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            return [];
        }

        try
        {
            return Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .Where(IsFontFile)
                .OrderBy(Rank)
                .ThenBy(f => Path.GetFileName(f), StringComparer.OrdinalIgnoreCase)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool IsFontFile(string file) =>
        file.EndsWith(".ttf", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".otf", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".ttc", StringComparison.OrdinalIgnoreCase);

    private static int Rank(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        return Penalties.Count(p => name.Contains(p, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The system's font files: those fc-list names (when fontconfig is installed) and those in the usual directories.</summary>
    private static List<string> SystemFontFiles()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var directories = new List<string> { "/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "/System/Library/Fonts" };
        if (!string.IsNullOrEmpty(home))
        {
            directories.Add(Path.Combine(home, ".fonts"));
            directories.Add(Path.Combine(home, ".local", "share", "fonts"));
        }

        if (Environment.GetFolderPath(Environment.SpecialFolder.Fonts) is { Length: > 0 } windows)
        {
            directories.Add(windows);
        }

        var files = directories.SelectMany(FilesUnder).ToList();
        files.AddRange(FontConfigFiles().Where(f => !files.Contains(f, StringComparer.Ordinal)));
        return files.OrderBy(Rank).ThenBy(f => Path.GetFileName(f), StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The files fc-list knows (fonts a host registered with fontconfig); none when fontconfig is not installed.</summary>
    private static List<string> FontConfigFiles()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("fc-list", ["--format", "%{file}\\n"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return [];
            }

            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                return [];
            }

            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(IsFontFile).Where(File.Exists).ToList();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return [];
        }
    }
}
