namespace DataGuard.Storage;

/// <summary>One stored object, as a listing or a lookup describes it.</summary>
/// <param name="Key">The object key, relative to the storage's root or prefix.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastModified">When the object was last written.</param>
public sealed record StorageObjectInfo(string Key, long Size, DateTimeOffset LastModified);
