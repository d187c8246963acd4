'use strict';

const EventEmitter = require('events');

/**
 * Debounce a function: call it once calls have stopped for `wait` ms.
 * @param {Function} fn
 * @param {number} wait
 */
function debounce(fn, wait) {
  let timer = null;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

// Formats a byte count for people.
const formatBytes = (n) => {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(1)} ${units[i]}`;
};

/** A queue that emits 'drain' when it becomes empty. */
class TaskQueue extends EventEmitter {
  constructor(concurrency = 2) {
    super();
    this.concurrency = concurrency;
    this.running = 0;
    this.tasks = [];
  }

  /** Add a task: a function returning a promise. */
  push(task) {
    this.tasks.push(task);
    this.next();
  }

  next() {
    while (this.running < this.concurrency && this.tasks.length) {
      const task = this.tasks.shift();
      this.running++;
      task().finally(() => {
        this.running--;
        if (this.tasks.length === 0 && this.running === 0) {
          this.emit('drain');
        }
        this.next();
      });
    }
  }
}

module.exports.shutdown = function shutdown(queue) {
  queue.tasks.length = 0;
};

module.exports = { debounce, formatBytes, TaskQueue };
