namespace SkillInference.Registry;

/// <summary>
/// Where bundles and the registry document live: a flat namespace of objects addressed by '/'-separated paths,
/// with conditional writes. Implemented by <see cref="FileSystemModelStore"/> (the embedded default) and by a
/// Google Cloud Storage store in the SkillInference.GoogleCloud package. Paths are relative to the store's root.
/// </summary>
public interface IModelStore
{
    /// <summary>Where the store is, for messages: a folder path or <c>gs://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>Reads an object; null when it does not exist.</summary>
    /// <exception cref="ModelStoreException">The store is unavailable.</exception>
    Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>The object's current generation without reading it; null when it does not exist.</summary>
    /// <exception cref="ModelStoreException">The store is unavailable.</exception>
    Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken);

    /// <summary>Writes an object atomically if <paramref name="condition"/> holds, and returns its new generation.</summary>
    /// <exception cref="ModelStoreException">
    /// <see cref="ModelStoreErrorKind.PreconditionFailed"/> when the condition does not hold; <see cref="ModelStoreErrorKind.Unavailable"/> when the store is unavailable.
    /// </exception>
    Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken);

    /// <summary>Lists the paths of every object under a prefix (recursively), sorted ordinally.</summary>
    /// <exception cref="ModelStoreException">The store is unavailable.</exception>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken);
}
