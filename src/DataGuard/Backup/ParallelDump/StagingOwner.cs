namespace DataGuard.Backup.ParallelDump;

/// <summary>Whether the process that made a staging folder still runs.</summary>
internal enum StagingOwner
{
    /// <summary>It runs: the folder is in use.</summary>
    Running,

    /// <summary>It no longer runs (or its id now belongs to another process): the folder is abandoned.</summary>
    Gone,

    /// <summary>The folder's name does not say (made by an older version).</summary>
    Unknown,

    /// <summary>Another host or container made it (a shared folder): whether its owner runs cannot be told from here.</summary>
    OtherHost,
}
