using System.Security.Cryptography;

namespace SkillInference.Registry;

/// <summary>
/// A model store in a local folder: the embedded default. Writes go to a temporary file that is renamed into place
/// (atomic on POSIX and NTFS); conditional writes hold an exclusive lock file while they compare generations, so two
/// processes cannot overwrite each other. A generation is a hash of the object's content.
/// </summary>
internal sealed class FileSystemModelStore : IModelStore
{
    private const string LockSuffix = ".lock";
    private const string TempMarker = ".tmp-";
    private readonly string _root;
    private readonly TimeSpan _lockTimeout;

    /// <summary>Creates a store rooted at a folder (created on first write).</summary>
    /// <param name="root">The folder.</param>
    /// <param name="lockTimeout">How long a conditional write waits for another writer's lock. Defaults to 10 seconds.</param>
    public FileSystemModelStore(string root, TimeSpan? lockTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
        _lockTimeout = lockTimeout ?? TimeSpan.FromSeconds(10);
    }

    /// <inheritdoc />
    public string Location => _root;

    /// <inheritdoc />
    public async Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        try
        {
            var bytes = await File.ReadAllBytesAsync(full, cancellationToken).ConfigureAwait(false);
            return new StoredObject(bytes, GenerationOf(bytes));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Wrap(ex, path);
        }
    }

    /// <inheritdoc />
    public async Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken) =>
        (await ReadAsync(path, cancellationToken).ConfigureAwait(false))?.Generation;

    /// <inheritdoc />
    public async Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var full = Resolve(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            if (condition.Kind == WriteConditionKind.None)
            {
                await ReplaceAsync(full, content, cancellationToken).ConfigureAwait(false);
                return GenerationOf(content.Span);
            }

            await using var fileLock = await AcquireLockAsync(full, cancellationToken).ConfigureAwait(false);
            var exists = File.Exists(full);
            switch (condition.Kind)
            {
                case WriteConditionKind.IfNotExists when exists:
                    throw new ModelStoreException(ModelStoreErrorKind.PreconditionFailed, $"'{path}' already exists in {_root}.");
                case WriteConditionKind.IfGenerationMatch:
                    var current = exists ? GenerationOf(await File.ReadAllBytesAsync(full, cancellationToken).ConfigureAwait(false)) : null;
                    if (current != condition.Generation)
                    {
                        throw new ModelStoreException(ModelStoreErrorKind.PreconditionFailed, $"'{path}' in {_root} changed since it was read (expected generation {condition.Generation}, found {current ?? "none"}).");
                    }

                    break;
            }

            await ReplaceAsync(full, content, cancellationToken).ConfigureAwait(false);
            return GenerationOf(content.Span);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Wrap(ex, path);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var dirPart = prefix.Contains('/', StringComparison.Ordinal) ? prefix[..prefix.LastIndexOf('/')] : "";
        var start = dirPart.Length == 0 ? _root : Resolve(dirPart);
        if (!Directory.Exists(start))
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }

        try
        {
            IReadOnlyList<string> paths = Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(LockSuffix, StringComparison.Ordinal) && !Path.GetFileName(f).Contains(TempMarker, StringComparison.Ordinal))
                .Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/'))
                .Where(p => p.StartsWith(prefix, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToArray();
            return Task.FromResult(paths);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Wrap(ex, prefix);
        }
    }

    private static async Task ReplaceAsync(string full, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = full + TempMarker + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private async Task<FileStream> AcquireLockAsync(string full, CancellationToken cancellationToken)
    {
        var lockPath = full + LockSuffix;
        var deadline = DateTime.UtcNow + _lockTimeout;
        var delay = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (File.Exists(lockPath) || DateTime.UtcNow <= deadline)
            {
                // The holder may release the lock between our attempt and the check above; then the lock is gone and we
                // retry. A lock older than the timeout belongs to a writer that died without cleaning up: break it.
                var held = new FileInfo(lockPath);
                if (held.Exists && held.LastWriteTimeUtc < DateTime.UtcNow - (_lockTimeout * 3))
                {
                    File.Delete(lockPath);
                    continue;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new ModelStoreException(ModelStoreErrorKind.Unavailable, $"Timed out after {_lockTimeout.TotalSeconds:0.#} s waiting for the lock on '{Path.GetRelativePath(_root, full)}' in {_root}.");
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
            }
        }
    }

    private string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new ModelStoreException(ModelStoreErrorKind.Refused, $"'{path}' is not a valid store path (use relative '/'-separated segments without '.' or '..').");
        }

        return Path.Combine(_root, path.Replace('/', Path.DirectorySeparatorChar));
    }

    private static string GenerationOf(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content))[..20];

    private ModelStoreException Wrap(Exception ex, string path) => ex is UnauthorizedAccessException
        ? new ModelStoreException(ModelStoreErrorKind.Refused, $"Access to '{path}' in {_root} was denied.", ex)
        : new ModelStoreException(ModelStoreErrorKind.Unavailable, $"Could not access '{path}' in {_root}: {ex.Message}", ex);
}
