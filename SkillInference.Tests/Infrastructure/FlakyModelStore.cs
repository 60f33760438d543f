using SkillInference.Registry;

namespace SkillInference.Tests.Infrastructure;

/// <summary>A model store that fails on demand, for faults a real store cannot be made to produce on cue.</summary>
public sealed class FlakyModelStore(IModelStore inner) : IModelStore
{
    private volatile bool _down;

    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public string Location => inner.Location;

    public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken) =>
        Down ? throw Unavailable() : inner.ReadAsync(path, cancellationToken);

    public Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken) =>
        Down ? throw Unavailable() : inner.GetGenerationAsync(path, cancellationToken);

    public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken) =>
        Down ? throw Unavailable() : inner.WriteAsync(path, content, condition, cancellationToken);

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) =>
        Down ? throw Unavailable() : inner.ListAsync(prefix, cancellationToken);

    private static ModelStoreException Unavailable() => new(ModelStoreErrorKind.Unavailable, "The store is down (FlakyModelStore).");
}
