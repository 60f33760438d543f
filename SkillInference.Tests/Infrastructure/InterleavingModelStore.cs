using SkillInference.Registry;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// A store that runs <paramref name="meanwhile"/> once, just before the first write to <paramref name="interleavedPath"/>, then
/// writes: "someone else got there between my read and my write", deterministically.
/// </summary>
public sealed class InterleavingModelStore(IModelStore inner, string interleavedPath, Func<Task> meanwhile) : IModelStore
{
    private int _done;

    public string Location => inner.Location;

    public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken) => inner.ReadAsync(path, cancellationToken);

    public Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken) => inner.GetGenerationAsync(path, cancellationToken);

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public async Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
    {
        if (path == interleavedPath && Interlocked.Exchange(ref _done, 1) == 0)
        {
            await meanwhile();
        }

        return await inner.WriteAsync(path, content, condition, cancellationToken);
    }
}
