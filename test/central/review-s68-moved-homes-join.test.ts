// Review, session 68: which homes heard from several hubs are one home that moved (central/console/moved-homes.ts), the
// rule the council report counts by (review-s68-home-moved.test.ts runs it through the console and PostgreSQL). Stays
// are day numbers; each case is one way a home, or two homes sharing an id, is heard.
import { describe, expect, it } from 'vitest';
import { joinStays, movedHomes, stayKey, type Stay } from '../../central/console/moved-homes.js';

const stay = (hubId: string, key: string, first: number, last: number): Stay => ({ hubId, key, first, last });

describe('review s68: homes heard from several hubs', () => {
  it('follows a home through two moves, counted under the hub it was first heard from', () => {
    const joined = joinStays([stay('a', 'p', 0, 40), stay('b', 'p', 40, 90), stay('c', 'p', 92, 200)]);
    expect(joined.countedUnder.get(stayKey('b', 'p'))).toBe('a');
    expect(joined.countedUnder.get(stayKey('c', 'p'))).toBe('a');
    expect(joined.moves.map((m) => `${m.from}>${m.to}`)).toEqual(['a>b', 'b>c']);
  });

  it('keeps apart homes heard side by side, or begun the same day, under one id', () => {
    const joined = joinStays([stay('a', 'h1', 0, 100), stay('b', 'h1', 10, 200), stay('c', 'h1', 0, 300)]);
    expect(joined.countedUnder.size).toBe(0);
    expect(joined.shareAnId('a', 'b')).toBe(true);
    expect(joined.shareAnId('b', 'a')).toBe(true);
  });

  it('takes a stay after a long silence, or one that several ended homes could have moved to, as another home', () => {
    expect(joinStays([stay('a', 'p', 0, 10), stay('b', 'p', 40, 90)]).countedUnder.size).toBe(0);
    expect(joinStays([stay('a', 'p', 0, 10), stay('b', 'p', 39, 90)]).countedUnder.size).toBe(1);
    const either = joinStays([stay('a', 'p', 0, 10), stay('b', 'p', 2, 9), stay('c', 'p', 11, 50)]);
    expect(either.countedUnder.size).toBe(0);
    // Overlapping by the day of the move and two more: one home; by four days: two.
    expect(joinStays([stay('a', 'p', 0, 10), stay('b', 'p', 8, 50)]).countedUnder.size).toBe(1);
    expect(joinStays([stay('a', 'p', 0, 10), stay('b', 'p', 7, 50)]).countedUnder.size).toBe(0);
  });

  it("joins a home's alerts only between hubs its days moved between, and that share no id", () => {
    const features = [
      stay('a', 'p1', 0, 40),
      stay('b', 'p1', 40, 90),
      stay('c', 'q', 0, 90),
      stay('d', 'q', 0, 90),
      stay('c', 'p2', 0, 40),
      stay('d', 'p2', 41, 90),
    ];
    const alerts = [
      stay('a', 'flat-1', 5, 5),
      stay('b', 'flat-1', 60, 60),
      stay('c', 'h1', 5, 5),
      stay('d', 'h1', 60, 60),
      stay('e', 'flat-9', 5, 5),
      stay('f', 'flat-9', 60, 60),
    ];
    const { alerts: joined } = movedHomes(features, alerts);
    // a to b: a home's days moved between them and no id is shared. c to d: days moved too, but q was heard at both
    // side by side, so h1 may be two homes. e to f: no days moved between them.
    expect([...joined.countedUnder.entries()]).toEqual([[stayKey('b', 'flat-1'), 'a']]);
  });
});
