namespace DataGuard.Storage;

/// <summary>A range of bytes of an object.</summary>
/// <param name="Offset">The first byte, from 0.</param>
/// <param name="Length">How many bytes; <see langword="null"/> for up to the end.</param>
public sealed record StorageByteRange(long Offset, long? Length = null)
{
    /// <summary>Throws when the range is negative or empty.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative or the length not positive.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Offset);
        if (Length is { } length)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length, nameof(Length));
        }
    }
}
