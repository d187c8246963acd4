import React, { useState } from 'react';

interface Props {
  initial: number;
  label?: string;
}

/** A button that counts its clicks. */
export function Counter({ initial, label = 'Clicks' }: Props) {
  const [count, setCount] = useState(initial);
  return (
    <button onClick={() => setCount(count + 1)}>
      {label}: {count}
    </button>
  );
}

// Renders a list of items with their index.
export const List = ({ items }: { items: string[] }) => (
  <ul>
    {items.map((item, i) => (
      <li key={i}>{i}. {item}</li>
    ))}
  </ul>
);

export default class Panel extends React.Component<{ title: string }> {
  render() {
    return <section><h2>{this.props.title}</h2>{this.props.children}</section>;
  }
}
