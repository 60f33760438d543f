namespace SkillInference.Engines;

/// <summary>
/// Lets a model be disposed while other threads score on it (a hot reload retires a model that requests may still
/// hold): each call holds a lease, and the model's resources are released once it is disposed and the last lease is
/// returned. A call that starts after disposal gets an <see cref="ObjectDisposedException"/>.
/// </summary>
/// <param name="owner">The model, named by the exception a late call gets.</param>
/// <param name="release">Frees the model's resources; runs once.</param>
internal sealed class InFlightCalls(object owner, Action release)
{
    // 1 for the owner plus 1 per call in flight; the resources are released when it reaches 0.
    private int _references = 1;
    private int _disposed;

    /// <summary>Starts a call: dispose the lease when the call returns.</summary>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public Lease Enter()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(current == 0 || Volatile.Read(ref _disposed) != 0, owner);
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return new Lease(this);
            }
        }
    }

    /// <summary>Disposes the model: its resources are released now, or when the last call in flight returns.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Exit();
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            release();
        }
    }

    /// <summary>One call in flight.</summary>
    public readonly ref struct Lease(InFlightCalls calls)
    {
        public void Dispose() => calls.Exit();
    }
}
