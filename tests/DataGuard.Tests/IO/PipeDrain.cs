using System.IO.Pipelines;

namespace DataGuard.Tests.IO;

/// <summary>Reads a pipe to its end, as a copy's consumer would.</summary>
internal static class PipeDrain
{
    /// <summary>Reads <paramref name="reader"/> to its end and completes it; a pipe completed with an error throws it.</summary>
    /// <param name="reader">The pipe's reader.</param>
    /// <param name="slowly">Pause a millisecond after every read (a consumer slower than the writer).</param>
    /// <returns>Every byte read.</returns>
    public static async Task<byte[]> ReadAllAsync(PipeReader reader, bool slowly = false)
    {
        var all = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    all.Write(segment.Span);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return all.ToArray();
                }

                if (slowly)
                {
                    await Task.Delay(1);
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }
}
