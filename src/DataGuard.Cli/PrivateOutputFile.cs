using DataGuard.IO;

namespace DataGuard.Cli;

/// <summary>
/// The files <c>--out</c> writes (a subject's personal data, a table, the runbook): mode 0600 whatever the umask,
/// written to a temporary file next to the target and renamed into place, so a failed write leaves no file.
/// </summary>
internal static class PrivateOutputFile
{
    public static async Task WriteAsync(string file, Func<Stream, Task> write)
    {
        var temporary = file + ".partial";
        try
        {
            File.Delete(temporary);
            await using (var stream = PrivateFiles.CreateNew(temporary))
            {
                await write(stream);
            }

            File.Move(temporary, file, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
