using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace SkillInference.Host.Configuration;

/// <summary>
/// Kestrel's buffers in blocks of 64 KB instead of its default 4 KB. The socket transport receives into the free part of
/// the current block, at most a block per read: a 700 KB <c>/infer/batch</c> body then arrives in about 20 reads instead
/// of about 350 (each a system call and a wake-up of the request's reader), and the body reader crosses 11 block ends
/// instead of 175. A small request still takes one block while it is read, returned to the pool after. The pool keeps
/// at most 512 free blocks (32 MB) after a burst; Kestrel rents a connection's first block only once data has arrived.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    /// <summary>The block size: the most a socket read can take at once.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>Free blocks kept for reuse at most.</summary>
    public const int MaxPooled = 512;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool(BlockSize, MaxPooled);
}

/// <summary>
/// Blocks of one size on the pinned object heap, as Kestrel's own are (the GC never moves or copies a block that a socket
/// read may be writing into), kept for reuse up to <c>maxPooled</c>; a rent larger than a block gets an array of its
/// own, not kept.
/// </summary>
internal sealed class LargeBlockMemoryPool(int blockSize, int maxPooled) : MemoryPool<byte>
{
    private readonly ConcurrentQueue<Block> _free = new();
    private int _pooled;
    private volatile bool _disposed;

    public override int MaxBufferSize => blockSize;

    /// <summary>Blocks waiting for reuse.</summary>
    internal int Pooled => Volatile.Read(ref _pooled);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (minBufferSize > blockSize)
        {
            return new Block(null, GC.AllocateUninitializedArray<byte>(minBufferSize));
        }

        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _pooled);
            block.Reuse();
            return block;
        }

        return new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    private void Return(Block block)
    {
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Increment(ref _pooled) > maxPooled)
        {
            Interlocked.Decrement(ref _pooled);
            return;
        }

        _free.Enqueue(block);
    }

    /// <summary>One block; disposing of it hands it back to its pool (once).</summary>
    private sealed class Block(LargeBlockMemoryPool? pool, byte[] array) : IMemoryOwner<byte>
    {
        private int _rented = 1;

        public Memory<byte> Memory => Volatile.Read(ref _rented) == 1 ? array : throw new ObjectDisposedException(nameof(Block));

        public void Reuse() => Volatile.Write(ref _rented, 1);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _rented, 0) == 1)
            {
                pool?.Return(this);
            }
        }
    }
}
