// The links an empty page offers: where to go to fill it. One place, so every empty state names
// the same destination the same way.
export interface NextStep {
  href: string
  text: string
}

export const FIND_PEOPLE_PATH = '/tools/find-shakes/people'

export const findPeople: NextStep = { href: FIND_PEOPLE_PATH, text: 'Find people to follow' }
export const findShakes: NextStep = { href: '/shakes', text: 'Find shakes to follow' }
export const postFirstImage: NextStep = { href: '/tools/new-post', text: 'Post your first image' }
export const postAnImage: NextStep = { href: '/tools/new-post', text: 'Post an image' }
export const seeIncoming: NextStep = { href: '/incoming', text: 'See what is new on Incoming' }
export const seePopular: NextStep = { href: '/popular', text: 'See what is popular' }
